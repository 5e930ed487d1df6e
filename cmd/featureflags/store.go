package main

import (
	"context"
	"fmt"
	"github.com/featureflags/featureflags/internal/dsn"
	"github.com/featureflags/featureflags/store/mongo"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/sqlite"
)

// openStore opens the store a --store value names: the URL scheme picks the
// database, and anything else is a SQLite file.
func openStore(ctx context.Context, url string) (ff.Store, error) {
	var s ff.Store
	var err error
	switch scheme(url) {
	case "postgres", "postgresql":
		s, err = postgres.Open(ctx, url)
	case "mongodb", "mongodb+srv":
		s, err = mongo.Open(ctx, url)
	default:
		s, err = sqlite.Open(ctx, url)
	}
	if err != nil {
		return nil, fmt.Errorf("--store %s: %w", redact(url), err)
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
func redact(s string) string { return dsn.Redact(s) }
