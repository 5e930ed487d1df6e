package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// TestMigrationProtectsProduction: a database made before migration 0008
// (its schema undone by hand) gets production protected, and only it.
func TestMigrationProtectsProduction(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"production", "staging"} {
		if err := s.CreateEnvironment(ctx, &ff.Environment{Name: name, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, stmt := range []string{
		`DROP TABLE change_requests`,
		`ALTER TABLE environments DROP COLUMN protected`,
		`ALTER TABLE environments DROP COLUMN require_approval`,
		`ALTER TABLE environments DROP COLUMN approval_admins_bypass`,
		`PRAGMA user_version = 6`,
	} {
		if _, err := s.write.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	envs, err := s.ListEnvironments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 2 || !envs[0].Protected || envs[1].Protected || envs[0].RequireApproval != 0 {
		t.Fatalf("after migrating: %+v %+v", envs[0], envs[1])
	}
}
