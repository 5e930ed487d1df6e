// Package snapfile reads and writes the snapshot file: a whole dataset and
// the tokens evaluation requests are authorised by, which lets a server
// start evaluating while its database is away.
package snapfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// encode writes the file's content to w as json.Marshal would write a
// file, but one flag at a time: at 100,000 flags the whole encoding is tens
// of megabytes, and building it in one buffer (grown by doubling) made each
// save cost several times that in garbage.
func encode(w io.Writer, d *ff.Dataset, tokens []*ff.Token, at time.Time) error {
	list := make([]token, 0, len(tokens))
	for _, t := range tokens {
		list = append(list, token{
			ID: t.ID, Name: t.Name, Role: t.Role, Environment: t.Environment, Hash: t.Hash,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt,
		})
	}
	slices.SortFunc(list, func(a, b token) int { return strings.Compare(a.ID, b.ID) })
	segments := d.Segments
	if segments == nil {
		segments = []*ff.Segment{}
	}
	bw := bufio.NewWriter(w)
	e := &jsonWriter{w: bw}
	e.raw(`{"format":`).value(format).raw(`,"version":`).value(version)
	e.raw(`,"savedAt":`).value(at.UTC().Truncate(time.Millisecond))
	e.raw(`,"dataset":{"revision":`).value(d.Revision).raw(`,"environments":`).value(d.Environments)
	e.raw(`,"flags":[`)
	for i, f := range d.Flags {
		if i > 0 {
			e.raw(",")
		}
		e.value(f)
	}
	e.raw(`],"segments":`).value(segments).raw(`},"tokens":`).value(list).raw("}")
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

// jsonWriter writes JSON pieces to w, keeping the first error. Values are
// encoded through one reused buffer: a flag at a time, json.Marshal would
// allocate each flag's bytes anew.
type jsonWriter struct {
	w   *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
	err error
}

func (e *jsonWriter) raw(s string) *jsonWriter {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
	return e
}

func (e *jsonWriter) value(v any) *jsonWriter {
	if e.err != nil {
		return e
	}
	if e.enc == nil {
		e.enc = json.NewEncoder(&e.buf)
	}
	e.buf.Reset()
	if e.err = e.enc.Encode(v); e.err == nil {
		b := e.buf.Bytes()
		_, e.err = e.w.Write(b[:len(b)-1]) // without Encode's newline
	}
	return e
}

// Write writes d and tokens to path atomically: to a temporary file in the
// same directory, synced, then renamed over path (and the directory
// synced), so that path always holds a whole snapshot. The file is private
// to the user (0600): it holds token hashes.
func Write(path string, d *ff.Dataset, tokens []*ff.Token, at time.Time) (err error) {
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
	if err := writeSynced(tmp, func(w io.Writer) error { return encode(w, d, tokens, at) }); err != nil {
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

// writeSynced makes f private, writes to it, syncs and closes it.
func writeSynced(f *os.File, write func(io.Writer) error) error {
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := write(f); err != nil {
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
