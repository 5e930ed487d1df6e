package sqlite

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/migrate"
)

// TestMigrationProtectsProduction: a database made before migration 0008
// (its schema undone by hand) gets production protected by it, and only it.
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
	latest, err := schema{s}.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`DROP TABLE change_requests`,
		`ALTER TABLE environments DROP COLUMN protected`,
		`ALTER TABLE environments DROP COLUMN require_approval`,
		`ALTER TABLE environments DROP COLUMN approval_admins_bypass`,
	} {
		if _, err := s.write.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	// Migrations after 0008 have run, so apply 0008 alone, as the runner
	// would, then put the version back.
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migrate.Migration) bool { return m.Version == 8 })
	if i < 0 {
		t.Fatal("no migration 0008")
	}
	if err := (schema{s}).Apply(ctx, ms[i]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", latest)); err != nil {
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
