package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/sqlite"
	"github.com/featureflags/featureflags/store/storetest"
)

func open(t *testing.T) ff.Store {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSchemaVersionForTest(t.Context(), 99); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = sqlite.Open(t.Context(), path)
	if ff.ErrorCode(err) != ff.EINVALID {
		t.Fatalf("opening a newer database: %v, want a refusal", err)
	}
}

// The database holds token hashes and the audit: only its owner may read
// it, nor its write-ahead log and shared-memory files.
func TestFilesPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateEnvironment(t.Context(), &ff.Environment{Name: "qa"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
