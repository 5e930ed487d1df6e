package view_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/internal/view/snapfile"
	"github.com/featureflags/featureflags/store/sqlite"
)

func sqliteService(t *testing.T) (*service.Service, ff.Store) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := service.New(st)
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s, st
}

// saveOnce runs the snapshot saver until it has written the latest view,
// stopping it as a server does at shutdown (which flushes).
func saveOnce(t *testing.T, s *service.Service, path string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.SaveSnapshots(ctx, path, func(err error) { t.Error(err) })
	}()
	cancel()
	<-done
}

func str(s string) *string { return &s }

// fixture fills s with flags, a segment and tokens, and returns the secrets
// of an admin token, a server key and a revoked token.
func fixture(t *testing.T, s *service.Service) (admin, key, revoked string) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.CreateSegment(ctx, service.SegmentInput{Name: str("beta"), Conditions: &[]ff.Condition{
		{Attribute: "email", Operator: "endsWith", Value: "@example.com"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFlag(ctx, service.FlagInput{Name: "checkout", Environments: map[string]bool{"production": true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFlag(ctx, service.FlagInput{
		Name: "banner", Type: ff.TypeString, Variants: map[string]any{"a": "A", "b": "B"},
		Environments: map[string]bool{"production": true, "staging": true},
		Targeting: map[string]*ff.Targeting{"production": {
			Rules: []ff.Rule{
				{Conditions: []ff.Condition{{Operator: "inSegment", Value: "beta"}}, Serve: ff.Serve{Variant: "b"}},
			},
			DefaultServe: &ff.Serve{Variant: "a"},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	_, admin, err := s.CreateToken(ctx, service.TokenInput{Name: "ops", Role: ff.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err = s.CreateToken(ctx, service.TokenInput{Name: "backend", Role: ff.RoleServerKey, Environment: "production"})
	if err != nil {
		t.Fatal(err)
	}
	gone, revoked, err := s.CreateToken(ctx, service.TokenInput{Name: "old", Role: ff.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeToken(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	return admin, key, revoked
}

var contexts = []eval.Context{
	{"targetingKey": "u1"},
	{"targetingKey": "u2", "email": "ann@example.com"},
	{"targetingKey": "u3", "email": "bob@elsewhere.org"},
}

func evaluations(snap *eval.Snapshot) string {
	var out []eval.Result
	for _, env := range snap.Environments() {
		for _, c := range contexts {
			out = snap.EvaluateAll(env, c, out)
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// The snapshot file holds the view: a service started from it with no
// store evaluates exactly as the one that wrote it, authenticates the same
// tokens, and has no secret to give away.
func TestSnapshotFileRoundTrip(t *testing.T) {
	s, st := sqliteService(t)
	admin, key, revoked := fixture(t, s)
	path := filepath.Join(t.TempDir(), "data", "snapshot.json")
	saveOnce(t, s, path)

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot file mode %v, want 0600", fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{admin, key, revoked} {
		if strings.Contains(string(data), secret) {
			t.Fatal("a token secret reached the snapshot file")
		}
		if !strings.Contains(string(data), auth.Hash(secret)) {
			t.Fatal("a token hash is missing from the snapshot file")
		}
	}

	d := service.New(nil)
	if d.Snapshot() != nil || !d.AuthRequired() {
		t.Fatal("a service without a view must evaluate nothing and require tokens")
	}
	info, err := d.LoadSnapshotFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Snapshot()
	if info.Revision != want.Revision() || d.Snapshot().Revision() != want.Revision() || info.Flags != 2 {
		t.Fatalf("loaded %+v (snapshot revision %d), want revision %d and 2 flags", info, d.Snapshot().Revision(), want.Revision())
	}
	if got, exp := evaluations(d.Snapshot()), evaluations(want); got != exp {
		t.Fatalf("evaluations from the file differ:\n got %s\nwant %s", got, exp)
	}
	if r := d.Snapshot().Evaluate("production", "banner", contexts[1]); r.Value != "B" {
		t.Fatalf("banner for a beta user from the file: %+v", r)
	}
	if !d.AuthRequired() {
		t.Fatal("access control off after loading a file with tokens")
	}
	if tok, err := d.Authenticate(key); err != nil || tok.Role != ff.RoleServerKey || tok.Environment != "production" {
		t.Fatalf("server key from the file: %+v %v", tok, err)
	}
	if _, err := d.Authenticate(admin); err != nil {
		t.Fatalf("admin token from the file: %v", err)
	}
	if _, err := d.Authenticate(revoked); !errors.Is(err, service.ErrTokenRevoked) {
		t.Fatalf("revoked token from the file: %v", err)
	}
	why := d.Degraded()
	if !strings.Contains(why, "snapshot of") || !strings.Contains(why, "revision") || !strings.Contains(why, "unreachable") {
		t.Fatalf("Degraded() = %q", why)
	}
	// Readiness is public: what failed stays in the log, even the domain
	// message, which may name the host.
	d.ReportStoreError(errors.New("connection refused"))
	if why := d.Degraded(); strings.Contains(why, "connection refused") || !strings.Contains(why, "last attempt failed at") {
		t.Fatalf("Degraded() after a report = %q", why)
	}
	d.ReportStoreError(fmt.Errorf("--store x: %w: dial tcp: driver details", ff.Errorf(ff.EUNAVAILABLE, "cannot reach PostgreSQL at db.internal as ann")))
	if why := d.Degraded(); strings.Contains(why, "db.internal") || strings.Contains(why, "dial") || !strings.Contains(why, "log has the details") {
		t.Fatalf("Degraded() after a store error = %q, want no detail of it", why)
	}

	// Attaching the store brings everything back, with what changed since.
	ctx := t.Context()
	if _, err := s.ToggleFlag(ctx, "checkout", "production", 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Attach(ctx, st); err != nil {
		t.Fatal(err)
	}
	if d.Degraded() != "" || !d.HasStore() {
		t.Fatalf("still degraded after Attach: %q", d.Degraded())
	}
	if d.Snapshot().Revision() != s.Snapshot().Revision() {
		t.Fatalf("revision after Attach %d, want %d", d.Snapshot().Revision(), s.Snapshot().Revision())
	}
	if r := d.Snapshot().Evaluate("production", "checkout", contexts[0]); r.Value != false {
		t.Fatalf("checkout after Attach: %+v, want the toggle made meanwhile", r)
	}
	if err := d.Attach(ctx, st); err == nil {
		t.Fatal("attached a second store")
	}
}

// A service without a store answers EUNAVAILABLE wherever it needs one and
// never panics; what needs only the view goes on working.
func TestNoStore(t *testing.T) {
	s, _ := sqliteService(t)
	fixture(t, s)
	path := filepath.Join(t.TempDir(), "snapshot.json")
	saveOnce(t, s, path)

	for _, loaded := range []bool{false, true} {
		d := service.New(nil)
		if loaded {
			if _, err := d.LoadSnapshotFile(path); err != nil {
				t.Fatal(err)
			}
		}
		ctx := t.Context()
		_, refreshErr := d.Refresh(ctx)
		_, flagsErr := d.ListFlags(ctx)
		_, flagErr := d.Flag(ctx, "checkout")
		_, createErr := d.CreateFlag(ctx, service.FlagInput{Name: "new"})
		_, toggleErr := d.ToggleFlag(ctx, "checkout", "production", 0)
		_, segErr := d.ListSegments(ctx)
		_, envErr := d.CreateEnvironment(ctx, "qa")
		_, exportErr := d.Export(ctx)
		_, tokensErr := d.ListTokens(ctx)
		_, _, createTokErr := d.CreateToken(ctx, service.TokenInput{Role: ff.RoleViewer})
		_, _, auditErr := d.ListAudit(ctx, service.AuditQuery{})
		_, adminErr := d.EnsureAdminToken(ctx, strings.Repeat("x", auth.MinSecretLength))
		for i, err := range []error{
			refreshErr, flagsErr, flagErr, createErr, toggleErr, segErr, envErr, exportErr, tokensErr, createTokErr, auditErr, adminErr,
			d.Init(ctx), d.Import(ctx, &ff.Dataset{}), d.Store().Ping(ctx), d.FlushTokenUse(ctx),
		} {
			if i == 15 && err == nil {
				continue // no token use recorded: nothing to flush
			}
			if ff.ErrorCode(err) != ff.EUNAVAILABLE || !strings.Contains(ff.ErrorMessage(err), "unreachable") {
				t.Fatalf("loaded=%v, call %d without a store: %v, want EUNAVAILABLE", loaded, i, err)
			}
		}
		if err := d.Store().Close(); err != nil {
			t.Fatal(err)
		}
		if loaded != (d.Snapshot() != nil) || loaded != (d.FlagCount() == 2) {
			t.Fatalf("loaded=%v: snapshot %v, %d flags", loaded, d.Snapshot(), d.FlagCount())
		}
	}
}

// Bursts of changes are written in few writes, always ending with the
// latest view; changes never wait for the saver.
func TestSnapshotSaverCoalesces(t *testing.T) {
	s, _ := sqliteService(t)
	s.SetSnapshotEvery(50 * time.Millisecond)
	ctx := t.Context()
	if _, err := s.CreateFlag(ctx, service.FlagInput{Name: "hot"}); err != nil {
		t.Fatal(err)
	}
	// Without a saver running, changes go on: the wake-up never blocks.
	for range 20 {
		if _, err := s.ToggleFlag(ctx, "hot", "production", 0); err != nil {
			t.Fatal(err)
		}
	}

	path := filepath.Join(t.TempDir(), "snapshot.json")
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.SaveSnapshots(sctx, path, func(err error) { t.Error(err) })
	}()
	began := time.Now()
	const changes = 200
	for range changes {
		if _, err := s.ToggleFlag(ctx, "hot", "production", 0); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(began)
	stop()
	<-done

	v, info, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.Snapshot().Revision(); info.Revision != want {
		t.Fatalf("the file holds revision %d after the final flush, want %d", info.Revision, want)
	}
	if got := v.Flag("hot").Environments["production"]; got != s.Latest().Flag("hot").Environments["production"] {
		t.Fatal("the file's flag differs from the view's")
	}
	saves := s.SnapshotSaves()
	if limit := int64(elapsed/s.SnapshotEvery()) + 3; saves > limit || saves > changes/2 {
		t.Fatalf("%d writes for %d changes in %v; want at most %d", saves, changes, elapsed, limit)
	}
	t.Logf("%d changes in %v: %d snapshot writes", changes, elapsed, saves)
}

// The file is replaced atomically: a reader always finds a whole snapshot,
// and a failed write leaves neither a temporary file nor a changed one.
func TestSnapshotFileAtomic(t *testing.T) {
	s, _ := sqliteService(t)
	fixture(t, s)
	dir := t.TempDir()
	path := filepath.Join(dir, "snapshot.json")
	v := s.Latest()
	if err := snapfile.Write(path, v.Dataset(), v.TokenList(), time.Now()); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, info, err := readFile(path); err != nil || info.Revision != v.Revision {
				t.Errorf("a reader found %+v, %v", info, err)
				return
			}
		}
	})
	for range 100 {
		if err := snapfile.Write(path, v.Dataset(), v.TokenList(), time.Now()); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()

	// A path that cannot be replaced (a directory in its way) fails the
	// write and leaves nothing behind.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := snapfile.Write(blocked, v.Dataset(), v.TokenList(), time.Now()); err == nil {
		t.Fatal("wrote over a directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "snapshot.json" && e.Name() != "blocked" {
			t.Fatalf("left behind: %s", e.Name())
		}
	}
}

func TestSnapshotFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := service.New(nil).LoadSnapshotFile(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	for name, content := range map[string]string{
		"torn.json":  `{"format":"featureflags-snapshot","version":1,"dataset":{"revi`,
		"other.json": `{"revision":3,"flags":[]}`,
		"newer.json": `{"format":"featureflags-snapshot","version":2,"dataset":{}}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		d := service.New(nil)
		if _, err := d.LoadSnapshotFile(path); err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Snapshot() != nil {
			t.Fatalf("%s: a view from a bad file", name)
		}
	}
	s, _ := sqliteService(t)
	path := filepath.Join(dir, "good.json")
	saveOnce(t, s, path)
	if _, err := s.LoadSnapshotFile(path); err == nil {
		t.Fatal("a file replaced the view of a service that has one")
	}
}

// readFile reads the snapshot file at path into a view.
func readFile(path string) (*view.View, snapfile.Info, error) {
	d, tokens, info, err := snapfile.Read(path)
	if err != nil {
		return nil, info, err
	}
	return view.New(d, tokens), info, nil
}
