package postgres_test

import (
	"os"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestMigrationProtectsProduction: a database made before migration 0008
// (its schema undone by hand) gets production protected by it, and only it.
func TestMigrationProtectsProduction(t *testing.T) {
	url := pgtest.URL(t)
	s := openURL(t, url)
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: now}))
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "staging", CreatedAt: now}))
	s.Close()
	for _, stmt := range []string{
		`DROP TABLE change_requests`,
		`ALTER TABLE environments DROP COLUMN protected, DROP COLUMN require_approval, DROP COLUMN approval_admins_bypass`,
	} {
		query[int](t, url, stmt)
	}
	// Migrations after 0008 have run, so apply 0008 alone, as the runner
	// would have on a database made before it.
	body, err := os.ReadFile("migrations/0008_approvals.sql")
	must(t, err)
	conn, err := pgx.Connect(t.Context(), url)
	must(t, err)
	_, err = conn.Exec(t.Context(), string(body))
	conn.Close(t.Context())
	must(t, err)
	s = openURL(t, url)
	defer s.Close()
	envs, err := s.ListEnvironments(t.Context())
	must(t, err)
	if len(envs) != 2 || !envs[0].Protected || envs[1].Protected {
		t.Fatalf("after migrating: %+v %+v", envs[0], envs[1])
	}
}
