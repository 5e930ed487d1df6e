package server

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// TestWriteBulkStopsForGoneClient: an answer whose client went away
// writes nothing, and one whose client stays is whole, over several
// chunks.
func TestWriteBulkStopsForGoneClient(t *testing.T) {
	flags := make([]*ff.Flag, 3000)
	for i := range flags {
		flags[i] = &ff.Flag{ID: fmt.Sprint(i), Name: fmt.Sprintf("flag-%04d", i), Environments: map[string]bool{"production": i%2 == 0}}
	}
	snap := eval.Compile(flags, nil, []string{"production"}, 1)
	gone := make(chan struct{})
	close(gone)
	rec := httptest.NewRecorder()
	writeBulk(rec, snap, "production", nil, nil, gone)
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("wrote %d bytes for a client that went away", rec.Body.Len())
	}
	rec = httptest.NewRecorder()
	writeBulk(rec, snap, "production", nil, nil, make(chan struct{}))
	if n := strings.Count(rec.Body.String(), `{"key":`); n != len(flags) || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("answered %d flags, want %d, in valid JSON", n, len(flags))
	}
}
