package webhook_test

import (
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/webhook/webhooktest"
	"github.com/featureflags/featureflags/store/sqlite"
)

// setup opens a SQLite store with the production environment and one
// endpoint at url.
func setup(t *testing.T, url string) (ff.Store, *ff.Webhook) {
	return setupAt(t, filepath.Join(t.TempDir(), "flags.db"), url)
}

func openAt(t *testing.T, path string) ff.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path, sqlite.Unsynced())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func setupAt(t *testing.T, path, url string) (ff.Store, *ff.Webhook) {
	t.Helper()
	st := openAt(t, path)
	return st, webhooktest.Prepare(t, st, url)
}
