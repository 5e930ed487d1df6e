// Package snapfile reads and writes the snapshot file: a whole dataset and
// the tokens evaluation requests are authorised by, which lets a server
// start evaluating while its database is away.
package snapfile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
)

// format names the file's format, and version its version.
const (
	format  = "featureflags-snapshot"
	version = 1
)

// Info describes a snapshot file.
type Info struct {
	Path     string
	SavedAt  time.Time
	Revision int64
	Flags    int
}

// file is the file's content. Tokens are kept as hashes: the service never
// has a secret to write.
type file struct {
	Format  string      `json:"format"`
	Version int         `json:"version"`
	SavedAt time.Time   `json:"savedAt"`
	Dataset *ff.Dataset `json:"dataset"`
	Tokens  []token     `json:"tokens"`
}

type token struct {
	ID          string     `json:"_id"`
	Name        string     `json:"name"`
	Role        ff.Role    `json:"role"`
	Environment string     `json:"environment,omitempty"`
	Hash        string     `json:"hash"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	RevokedAt   *time.Time `json:"revokedAt,omitempty"`
}

func encode(d *ff.Dataset, tokens []*ff.Token, at time.Time) ([]byte, error) {
	f := &file{
		Format: format, Version: version, SavedAt: at.UTC().Truncate(time.Millisecond),
		Dataset: &ff.Dataset{Revision: d.Revision, Environments: d.Environments, Flags: d.Flags, Segments: d.Segments},
		Tokens:  make([]token, 0, len(tokens)),
	}
	if f.Dataset.Flags == nil {
		f.Dataset.Flags = []*ff.Flag{}
	}
	if f.Dataset.Segments == nil {
		f.Dataset.Segments = []*ff.Segment{}
	}
	for _, t := range tokens {
		f.Tokens = append(f.Tokens, token{
			ID: t.ID, Name: t.Name, Role: t.Role, Environment: t.Environment, Hash: t.Hash,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt,
		})
	}
	slices.SortFunc(f.Tokens, func(a, b token) int { return strings.Compare(a.ID, b.ID) })
	return json.Marshal(f)
}

// Write writes d and tokens to path atomically: to a temporary file in the
// same directory, synced, then renamed over path (and the directory
// synced), so that path always holds a whole snapshot. The file is private
// to the user (0600): it holds token hashes.
func Write(path string, d *ff.Dataset, tokens []*ff.Token, at time.Time) (err error) {
	data, err := encode(d, tokens, at)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := writeSynced(tmp, data); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every system syncs directories
		d.Close()
	}
	return nil
}

// writeSynced makes f private, writes data to it, syncs and closes it.
func writeSynced(f *os.File, data []byte) error {
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// Read reads the snapshot file at path. A missing file is an error that
// matches fs.ErrNotExist.
func Read(path string) (*ff.Dataset, []*ff.Token, Info, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, Info{}, err
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, nil, Info{}, fmt.Errorf("snapshot file %s: %w", path, err)
	}
	if f.Format != format || f.Version != version || f.Dataset == nil {
		return nil, nil, Info{}, fmt.Errorf("snapshot file %s: not a %s file of version %d", path, format, version)
	}
	tokens := make([]*ff.Token, len(f.Tokens))
	for i, t := range f.Tokens {
		tokens[i] = &ff.Token{
			ID: t.ID, Name: t.Name, Role: t.Role, Environment: t.Environment, Hash: t.Hash,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt,
		}
	}
	info := Info{Path: path, SavedAt: f.SavedAt, Revision: f.Dataset.Revision, Flags: len(f.Dataset.Flags)}
	return f.Dataset, tokens, info, nil
}
