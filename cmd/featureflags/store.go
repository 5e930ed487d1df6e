package main

import (
	"context"
	"fmt"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/sqlite"
)

// openStore opens the store a --store value names: the URL scheme picks the
// database, and anything else is a SQLite file.
func openStore(ctx context.Context, dsn string) (ff.Store, error) {
	var s ff.Store
	var err error
	switch scheme(dsn) {
	case "postgres", "postgresql":
		s, err = postgres.Open(ctx, dsn)
	case "mongodb", "mongodb+srv":
		return nil, fmt.Errorf("--store %s: this build has no driver for %s yet", redact(dsn), scheme(dsn))
	default:
		s, err = sqlite.Open(ctx, dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("--store %s: %w", redact(dsn), err)
	}
	return s, nil
}

func scheme(dsn string) string {
	if i := strings.Index(dsn, "://"); i > 0 {
		return strings.ToLower(dsn[:i])
	}
	return ""
}

// redact hides a URL's password so it never reaches a log or a message.
func redact(dsn string) string { return postgres.Redact(dsn) }
