package sqlite_test

import (
	"path/filepath"
	"strconv"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/sqlite"
)

// BenchmarkCommit measures one committed write (an environment created),
// synced to disk as the server does and Unsynced as the fuzzers do.
func BenchmarkCommit(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []sqlite.Option
	}{{"synced", nil}, {"unsynced", []sqlite.Option{sqlite.Unsynced()}}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "flags.db"), c.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			i := 0
			for b.Loop() {
				i++
				if err := s.CreateEnvironment(b.Context(), &ff.Environment{Name: "e" + strconv.Itoa(i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
