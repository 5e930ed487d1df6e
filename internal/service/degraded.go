package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Outages. Evaluation never reads the store: it answers from the view. So
// that it can also answer after a restart while the database is away, the
// service keeps the view in a snapshot file (SaveSnapshots) and a server
// can start from that file (LoadSnapshotFile) with no store at all (New
// with a nil store), which it attaches once the database answers (Attach).
// Until then every operation that needs the store returns EUNAVAILABLE.

// errNoStore is what every store operation answers while the service has
// no store.
func errNoStore() error {
	return ff.Errorf(ff.EUNAVAILABLE, "the database is unreachable; evaluation continues from the last snapshot")
}

// storeSlot is the store a Service works on, which may not be there yet.
// It is itself a Store: while it is empty every method answers errNoStore,
// so nothing in the service needs a nil check.
type storeSlot struct{ p atomic.Pointer[storeRef] }

type storeRef struct{ ff.Store }

var _ ff.Store = (*storeSlot)(nil)

func (s *storeSlot) get() (ff.Store, error) {
	if r := s.p.Load(); r != nil {
		return r.Store, nil
	}
	return nil, errNoStore()
}

func (s *storeSlot) ListFlags(ctx context.Context) ([]*ff.Flag, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.ListFlags(ctx)
}

func (s *storeSlot) FindFlag(ctx context.Context, idOrName string) (*ff.Flag, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.FindFlag(ctx, idOrName)
}

func (s *storeSlot) CreateFlag(ctx context.Context, f *ff.Flag) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.CreateFlag(ctx, f)
}

func (s *storeSlot) UpdateFlag(ctx context.Context, f *ff.Flag, expectVersion int64) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.UpdateFlag(ctx, f, expectVersion)
}

func (s *storeSlot) DeleteFlag(ctx context.Context, id string, expectVersion int64) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.DeleteFlag(ctx, id, expectVersion)
}

func (s *storeSlot) ToggleFlag(ctx context.Context, id, env string, expectVersion int64, now time.Time) (*ff.Flag, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.ToggleFlag(ctx, id, env, expectVersion, now)
}

func (s *storeSlot) ListEnvironments(ctx context.Context) ([]*ff.Environment, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.ListEnvironments(ctx)
}

func (s *storeSlot) CreateEnvironment(ctx context.Context, e *ff.Environment) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.CreateEnvironment(ctx, e)
}

func (s *storeSlot) DeleteEnvironment(ctx context.Context, name string) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.DeleteEnvironment(ctx, name)
}

func (s *storeSlot) ListSegments(ctx context.Context) ([]*ff.Segment, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.ListSegments(ctx)
}

func (s *storeSlot) FindSegment(ctx context.Context, idOrName string) (*ff.Segment, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.FindSegment(ctx, idOrName)
}

func (s *storeSlot) CreateSegment(ctx context.Context, sg *ff.Segment) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.CreateSegment(ctx, sg)
}

func (s *storeSlot) UpdateSegment(ctx context.Context, sg *ff.Segment, expectVersion int64) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.UpdateSegment(ctx, sg, expectVersion)
}

func (s *storeSlot) DeleteSegment(ctx context.Context, id string, expectVersion int64) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.DeleteSegment(ctx, id, expectVersion)
}

func (s *storeSlot) Revision(ctx context.Context) (int64, error) {
	st, err := s.get()
	if err != nil {
		return 0, err
	}
	return st.Revision(ctx)
}

func (s *storeSlot) Load(ctx context.Context) (*ff.Dataset, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.Load(ctx)
}

func (s *storeSlot) Import(ctx context.Context, d *ff.Dataset) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.Import(ctx, d)
}

func (s *storeSlot) CreateToken(ctx context.Context, t *ff.Token) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.CreateToken(ctx, t)
}

func (s *storeSlot) ListTokens(ctx context.Context) ([]*ff.Token, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.ListTokens(ctx)
}

func (s *storeSlot) FindTokenByHash(ctx context.Context, hash string) (*ff.Token, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.FindTokenByHash(ctx, hash)
}

func (s *storeSlot) RevokeToken(ctx context.Context, id string, at time.Time) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.RevokeToken(ctx, id, at)
}

func (s *storeSlot) TouchTokens(ctx context.Context, lastUsed map[string]time.Time) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.TouchTokens(ctx, lastUsed)
}

func (s *storeSlot) ListAudit(ctx context.Context, f ff.AuditFilter) ([]*ff.AuditEvent, string, error) {
	st, err := s.get()
	if err != nil {
		return nil, "", err
	}
	return st.ListAudit(ctx, f)
}

func (s *storeSlot) Ping(ctx context.Context) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.Ping(ctx)
}

// Close closes the store, if there is one.
func (s *storeSlot) Close() error {
	if r := s.p.Load(); r != nil {
		return r.Close()
	}
	return nil
}

// viewCell holds the latest view. Every new view goes through Store, which
// wakes the snapshot saver (without ever waiting for it); signals coalesce,
// and the saver always writes the latest view.
type viewCell struct {
	p       atomic.Pointer[view]
	changed chan struct{} // capacity 1
}

func (c *viewCell) Load() *view { return c.p.Load() }

func (c *viewCell) Store(v *view) {
	c.p.Store(v)
	c.wake()
}

func (c *viewCell) wake() {
	select {
	case c.changed <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// Attach gives a service created without a store (New(nil)) its store,
// once it could be opened: under the write lock it runs what Init does and
// reloads the view from the store, the path every reload takes, so that
// evaluation, streams and the snapshot file catch up with what changed
// while the store was away. Should that fail, the service is left without a
// store again and the error returned; the caller closes the store and
// retries.
func (s *Service) Attach(ctx context.Context, store ff.Store) error {
	if store == nil {
		return ff.Errorf(ff.EINVALID, "no store to attach")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.store.p.CompareAndSwap(nil, &storeRef{store}) {
		return ff.Errorf(ff.EINVALID, "the service has a store already")
	}
	if err := s.initLocked(ctx); err != nil {
		s.store.p.Store(nil)
		return err
	}
	s.storeErr.Store(nil)
	return nil
}

// HasStore reports whether the service has a store (see Attach).
func (s *Service) HasStore() bool { return s.store.p.Load() != nil }

// ReportStoreError records why the store could not be opened, for Degraded:
// the domain error's message, without the driver's details behind it
// (readiness is public; the log has those).
func (s *Service) ReportStoreError(err error) {
	msg := err.Error()
	if ff.ErrorCode(err) != ff.EINTERNAL {
		msg = ff.ErrorMessage(err)
	}
	s.storeErr.Store(&msg)
}

// Degraded says, while the service has no store, what it serves instead,
// as readiness checks report it; it is "" once the service has a store.
func (s *Service) Degraded() string {
	if s.HasStore() {
		return ""
	}
	var b strings.Builder
	if info := s.fileInfo.Load(); info != nil {
		fmt.Fprintf(&b, "serving evaluations from the snapshot of %s, revision %d; ", info.SavedAt.Format(time.RFC3339), info.Revision)
	}
	b.WriteString("the store is unreachable")
	if e := s.storeErr.Load(); e != nil {
		b.WriteString(": " + *e)
	}
	return b.String()
}

// SnapshotInfo describes a snapshot file.
type SnapshotInfo struct {
	Path     string
	SavedAt  time.Time
	Revision int64
	Flags    int
}

// defaultSnapshotEvery is the shortest time between two writes of the
// snapshot file.
const defaultSnapshotEvery = 200 * time.Millisecond

// snapshotFormat names the snapshot file's format, and its version.
const (
	snapshotFormat  = "featureflags-snapshot"
	snapshotVersion = 1
)

// snapshotFile is the snapshot file: the view's dataset and the tokens
// evaluation requests are authorised by, as hashes (the service never has
// a secret to write).
type snapshotFile struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SavedAt time.Time       `json:"savedAt"`
	Dataset *ff.Dataset     `json:"dataset"`
	Tokens  []snapshotToken `json:"tokens"`
}

type snapshotToken struct {
	ID          string     `json:"_id"`
	Name        string     `json:"name"`
	Role        ff.Role    `json:"role"`
	Environment string     `json:"environment,omitempty"`
	Hash        string     `json:"hash"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	RevokedAt   *time.Time `json:"revokedAt,omitempty"`
}

func snapshotOf(v *view, at time.Time) *snapshotFile {
	f := &snapshotFile{
		Format: snapshotFormat, Version: snapshotVersion, SavedAt: at.UTC().Truncate(time.Millisecond),
		Dataset: &ff.Dataset{Revision: v.revision, Environments: v.environments, Flags: v.flags, Segments: v.segments},
		Tokens:  make([]snapshotToken, 0, len(v.tokens)),
	}
	if f.Dataset.Flags == nil {
		f.Dataset.Flags = []*ff.Flag{}
	}
	if f.Dataset.Segments == nil {
		f.Dataset.Segments = []*ff.Segment{}
	}
	for _, t := range v.tokens {
		f.Tokens = append(f.Tokens, snapshotToken{
			ID: t.ID, Name: t.Name, Role: t.Role, Environment: t.Environment, Hash: t.Hash,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt,
		})
	}
	slices.SortFunc(f.Tokens, func(a, b snapshotToken) int { return strings.Compare(a.ID, b.ID) })
	return f
}

// writeSnapshotFile writes v to path atomically: to a temporary file in the
// same directory, synced, then renamed over path (and the directory
// synced), so that path always holds a whole snapshot. The file is private
// to the user (0600): it holds token hashes.
func writeSnapshotFile(path string, v *view, at time.Time) (err error) {
	data, err := json.Marshal(snapshotOf(v, at))
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
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
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

// readSnapshotFile reads a snapshot file into a view.
func readSnapshotFile(path string) (*view, SnapshotInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, SnapshotInfo{}, err
	}
	var f snapshotFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, SnapshotInfo{}, fmt.Errorf("snapshot file %s: %w", path, err)
	}
	if f.Format != snapshotFormat || f.Version != snapshotVersion || f.Dataset == nil {
		return nil, SnapshotInfo{}, fmt.Errorf("snapshot file %s: not a %s file of version %d", path, snapshotFormat, snapshotVersion)
	}
	tokens := make([]*ff.Token, len(f.Tokens))
	for i, t := range f.Tokens {
		tokens[i] = &ff.Token{
			ID: t.ID, Name: t.Name, Role: t.Role, Environment: t.Environment, Hash: t.Hash,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt,
		}
	}
	v := newView(f.Dataset, tokens)
	return v, SnapshotInfo{Path: path, SavedAt: f.SavedAt, Revision: v.revision, Flags: len(v.flags)}, nil
}

// LoadSnapshotFile makes the snapshot file at path the service's view, for
// a service that has none yet (one started without a store): evaluation
// and access control then work from it. A missing file is an error that
// matches fs.ErrNotExist.
func (s *Service) LoadSnapshotFile(path string) (SnapshotInfo, error) {
	v, info, err := readSnapshotFile(path)
	if err != nil {
		return info, err
	}
	// The saver must not write this view back as if it were new.
	s.fromFile.Store(v)
	if !s.view.p.CompareAndSwap(nil, v) {
		s.fromFile.Store(nil)
		return info, errors.New("the service has a view already")
	}
	s.fileInfo.Store(&info)
	return info, nil
}

// SaveSnapshots keeps the snapshot file at path up to date with the view
// until ctx ends, and then writes it once more if the view changed since.
// It writes in the background of every change, never holding one up: at
// most one write at a time and at most one per snapshotEvery, always of the
// latest view, so that a burst of changes costs one or two writes. Failures
// go to report and are retried, backing off, until a write succeeds.
func (s *Service) SaveSnapshots(ctx context.Context, path string, report func(error)) {
	var saved *view
	save := func() error {
		v := s.view.Load()
		if v == nil || v == saved || v == s.fromFile.Load() {
			return nil
		}
		if err := writeSnapshotFile(path, v, s.now()); err != nil {
			return fmt.Errorf("write the snapshot file %s: %w", path, err)
		}
		saved = v
		s.snapshotSaves.Add(1)
		return nil
	}
	pause := s.snapshotEvery
	for {
		select {
		case <-ctx.Done():
			if err := save(); err != nil && report != nil {
				report(err)
			}
			return
		case <-s.view.changed:
		}
		if err := save(); err != nil {
			if report != nil {
				report(err)
			}
			pause = min(2*pause, time.Minute)
			s.view.wake() // try again after the pause
		} else {
			pause = s.snapshotEvery
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			if err := save(); err != nil && report != nil {
				report(err)
			}
			return
		case <-t.C:
		}
	}
}
