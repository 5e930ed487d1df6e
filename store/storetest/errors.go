package storetest

import (
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
)

// driverText is text that shows a database or its driver speaking: none of
// it may reach a domain error's message, which clients see. "If-Match" is
// there too: a store knows versions, not the HTTP header that carried one.
var driverText = []string{
	"UNIQUE constraint", "constraint failed", "duplicate key", "E11000", "SQLSTATE",
	"sqlite", "SQLite", "pq:", "pgx", "mongo", "Mongo", "If-Match",
}

// mustCode checks that err has the code and, if it is a domain error, a
// message free of driver text.
func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ff.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if code == "" || code == ff.EINTERNAL {
		return
	}
	msg := ff.ErrorMessage(err)
	if msg == "" {
		t.Fatalf("%s error without a message: %v", code, err)
	}
	for _, s := range driverText {
		if strings.Contains(msg, s) {
			t.Fatalf("%s error message %q contains %q: a store speaks of the domain", code, msg, s)
		}
	}
}

// mustField checks mustCode's and that err blames field ("" for none).
func mustField(t *testing.T, err error, code, field string) {
	t.Helper()
	mustCode(t, err, code)
	if got := ff.ErrorField(err); got != field {
		t.Fatalf("%s error %v blames field %q, want %q", code, err, got, field)
	}
}
