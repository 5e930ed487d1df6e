// Package migrate is the one migration runner of the SQL stores: it reads
// a store's embedded, numbered migration files and applies those a
// database lacks, in order, refusing a database written by a newer version
// of the program. Each store supplies its dialect: how its database records
// the schema version and how it applies one migration.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// Migration is one file: NNNN_what.sql brings the schema from version
// NNNN-1 to NNNN.
type Migration struct {
	Version int
	Name    string
	Body    string
}

// Schema is a database's side of migrating.
type Schema interface {
	// Version returns the version the database's schema has, 0 for none.
	Version(ctx context.Context) (int, error)
	// Apply runs m and records m.Version as the schema's, both or neither.
	Apply(ctx context.Context, m Migration) error
}

// Load reads the migrations in dir of files, ordered by name, and checks
// that their numbers are positive and strictly increasing. Numbers may skip
// (a number held for a migration another line of work adds), but a database
// past a number never runs a file added below it later: add numbers upward.
func Load(files fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	ms := make([]Migration, 0, len(names))
	last := 0
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil || n <= last {
			return nil, fmt.Errorf("store: migration %s is out of sequence", name)
		}
		last = n
		body, err := fs.ReadFile(files, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: n, Name: name, Body: string(body)})
	}
	return ms, nil
}

// Run applies to s the migrations of ms it lacks, in order.
func Run(ctx context.Context, s Schema, ms []Migration) error {
	current, err := s.Version(ctx)
	if err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	if current > latest {
		return storeerr.NewerSchema(current, latest)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		if err := s.Apply(ctx, m); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.Name, err)
		}
	}
	return nil
}
