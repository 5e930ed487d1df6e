package postgres_test

import (
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
)

// TestMigrationProtectsProduction: a database made before migration 0008
// (its schema undone by hand) gets production protected, and only it.
func TestMigrationProtectsProduction(t *testing.T) {
	url := pgtest.URL(t)
	s := openURL(t, url)
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: now}))
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "staging", CreatedAt: now}))
	s.Close()
	for _, stmt := range []string{
		`DELETE FROM ` + postgres.MigrationsTable + ` WHERE version = 8`,
		`DROP TABLE change_requests`,
		`ALTER TABLE environments DROP COLUMN protected, DROP COLUMN require_approval, DROP COLUMN approval_admins_bypass`,
	} {
		query[int](t, url, stmt)
	}
	s = openURL(t, url)
	defer s.Close()
	envs, err := s.ListEnvironments(t.Context())
	must(t, err)
	if len(envs) != 2 || !envs[0].Protected || envs[1].Protected {
		t.Fatalf("after migrating: %+v %+v", envs[0], envs[1])
	}
}
