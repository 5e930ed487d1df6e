// Package pgtest gives tests a fresh PostgreSQL database of their own.
//
// Tests that need PostgreSQL call URL; they are skipped unless
// FEATUREFLAGS_TEST_POSTGRES_URL names a server, for example
//
//	FEATUREFLAGS_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// and fail when it is set but the server cannot be used.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the variable holding the URL of a database on the test
// server whose user may create and drop databases.
const EnvVar = "FEATUREFLAGS_TEST_POSTGRES_URL"

// AdminURL returns the URL in EnvVar, skipping the test when it is unset.
func AdminURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		t.Skip(EnvVar + " not set: PostgreSQL tests skipped")
	}
	return admin
}

// URL creates a new, empty database named featureflags_test_<random hex> on
// the server in EnvVar, drops it (disconnecting any sessions) when the test
// ends and returns its URL: the admin URL with the database replaced.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", EnvVar)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "featureflags_test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := exec(ctx, admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := exec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

func exec(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
