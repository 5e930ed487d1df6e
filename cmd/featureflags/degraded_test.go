package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDegradedStart runs a server on PostgreSQL, which leaves its snapshot
// file behind, and starts it again while the database is unreachable: it
// starts anyway, evaluates and streams from the file (with the tokens the
// file holds the hashes of), says so in /readyz and its log, refuses
// management requests with 503, and once the database is reachable
// catches up with what changed meanwhile (its stream subscribers too),
// becomes ready and takes writes, without a restart.
func TestDegradedStart(t *testing.T) {
	pg, direct, proxy := proxiedPostgres(t)
	dir := t.TempDir()
	admin := "admin-secret-for-the-degraded-start-test-0123456789"
	env := []string{adminTokenVariable + "=" + admin}
	args := []string{"--store", pg, "--write-rate", "0"}
	p := startEnv(t, dir, env, args...)

	for _, body := range []string{
		`{"name":"checkout","environments":{"production":true}}`,
		`{"name":"banner","type":"string","variants":{"a":"A","b":"B"},"environments":{"production":true},
		  "targeting":{"production":{"rules":[{"conditions":[{"attribute":"plan","operator":"eq","value":"pro"}],"serve":{"variant":"b"}}],"defaultServe":{"variant":"a"}}}}`,
		`{"name":"dark-mode","environments":{"production":false}}`,
	} {
		if status, b := p.request(t, "POST", "/flags", admin, body); status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, b)
		}
	}
	status, b := p.request(t, "POST", "/tokens", admin, `{"name":"backend","role":"server-key","environment":"production"}`)
	if status != http.StatusCreated {
		t.Fatalf("create a server key: %d %s", status, b)
	}
	var created struct {
		ID    string `json:"_id"`
		Token string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(b), &created); err != nil || created.Token == "" {
		t.Fatalf("server key answer %s: %v", b, err)
	}
	key := created.Token
	if status, b := p.request(t, "POST", "/flags/dark-mode/toggle", admin, `{"environment":"production"}`); status != http.StatusOK {
		t.Fatalf("toggle: %d %s", status, b)
	}

	// The snapshot file follows the changes in the background: wait for it
	// to hold the last one, then stop the server.
	path := filepath.Join(dir, "data", "snapshot.json")
	waitSnapshot(t, path, func(s snapshotContent) bool {
		return s.flag("dark-mode") != nil && s.flag("dark-mode").Environments["production"] && s.hasToken(created.ID)
	})
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot file: %v %v, want mode 0600", fi, err)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), key) || strings.Contains(string(data), admin) {
		t.Fatal("a token secret reached the snapshot file")
	}
	p.stop(t)

	proxy.Cut()
	q := startEnv(t, dir, env, args...)
	waitLog(t, q, "serving evaluations from the snapshot file")

	withKey := []string{"X-API-Key", key}
	for flag, want := range map[string]any{"checkout": true, "banner": "B", "dark-mode": true} {
		status, _, body, err := call(http.DefaultClient, "POST", q.base+"/ofrep/v1/evaluate/flags/"+flag, `{"context":{"targetingKey":"u1","plan":"pro"}}`, withKey...)
		var got struct{ Value any }
		if err != nil || status != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Value != want {
			t.Fatalf("evaluate %s from the snapshot file: %d %s %v, want %v", flag, status, body, err, want)
		}
	}
	if status, _, body, _ := call(http.DefaultClient, "POST", q.base+"/ofrep/v1/evaluate/flags/checkout", `{"context":{"targetingKey":"u1"}}`, "X-API-Key", "not-a-key"); status != http.StatusUnauthorized {
		t.Fatalf("an unknown key while degraded: %d %s", status, body)
	}
	events := subscribe(t, q.base, withKey...)
	if events != nil {
		waitFlagState(t, events, "dark-mode", true)
	}
	load := startEvaluationLoad(q.base, `{"targetingKey":"u1","plan":"pro"}`, map[string][]any{"checkout": {true}, "banner": {"B"}}, 3, withKey...)

	status, ctype, body, err := call(http.DefaultClient, "GET", q.base+"/readyz", "")
	var ready struct{ Status, Error string }
	if err != nil || status != http.StatusServiceUnavailable || ctype != "application/json" || json.Unmarshal([]byte(body), &ready) != nil ||
		ready.Status != "degraded" || !strings.Contains(ready.Error, "serving evaluations from the snapshot of") || !strings.Contains(ready.Error, "unreachable") {
		t.Fatalf("/readyz while degraded: %d %s %v", status, body, err)
	}
	bearer := []string{"Authorization", "Bearer " + admin}
	msg := expectUnavailable(t, "POST", q.base+"/flags/checkout/toggle", `{"environment":"production"}`, bearer...)
	if !strings.Contains(msg, "evaluation continues") {
		t.Fatalf("write while degraded: %q", msg)
	}
	expectUnavailable(t, "GET", q.base+"/flags", "", bearer...)
	expectUnavailable(t, "POST", q.base+"/flags", `{"name":"new"}`, bearer...)
	if status, _, _, _ := call(http.DefaultClient, "GET", q.base+"/healthz", ""); status != http.StatusOK {
		t.Fatalf("/healthz while degraded: %d", status)
	}
	waitLog(t, q, "the store is still unreachable")
	load.waitAnswers(t, 200)

	// Meanwhile another server, which reaches the database, changes a flag.
	r := startEnv(t, t.TempDir(), env, "--store", direct)
	if status, b := r.request(t, "POST", "/flags/dark-mode/toggle", admin, `{"environment":"production"}`); status != http.StatusOK {
		t.Fatalf("toggle through the other server: %d %s", status, b)
	}

	proxy.Restore()
	waitLog(t, q, "the store is back")
	if events != nil {
		waitFlagState(t, events, "dark-mode", false)
	}
	if status, _, body, err := call(http.DefaultClient, "POST", q.base+"/ofrep/v1/evaluate/flags/dark-mode", `{"context":{"targetingKey":"u1"}}`, withKey...); err != nil || status != http.StatusOK || !strings.Contains(body, `"value":false`) {
		t.Fatalf("dark-mode once the store is back: %d %s %v, want the change made meanwhile", status, body, err)
	}
	waitReady(t, q.base, http.StatusOK)
	load.want.Store(&map[string][]any{"checkout": {true, false}, "banner": {"B"}})
	if status, b := q.request(t, "POST", "/flags/checkout/toggle", admin, `{"environment":"production"}`); status != http.StatusOK {
		t.Fatalf("toggle once the store is back: %d %s", status, b)
	}
	load.want.Store(&map[string][]any{"checkout": {false}, "banner": {"B"}})
	load.waitAnswers(t, 200)
	load.finish(t)
	if status, b := q.request(t, "POST", "/flags", admin, `{"name":"after-outage"}`); status != http.StatusCreated {
		t.Fatalf("create once the store is back: %d %s", status, b)
	}
	waitSnapshot(t, path, func(s snapshotContent) bool { return s.flag("after-outage") != nil })
}

// snapshotContent is what the tests read of a snapshot file.
type snapshotContent struct {
	SavedAt time.Time `json:"savedAt"`
	Dataset struct {
		Revision int64 `json:"revision"`
		Flags    []struct {
			Name         string          `json:"name"`
			Environments map[string]bool `json:"environments"`
		} `json:"flags"`
	} `json:"dataset"`
	Tokens []struct {
		ID   string `json:"_id"`
		Hash string `json:"hash"`
	} `json:"tokens"`
}

func (s snapshotContent) flag(name string) *flagState {
	for _, f := range s.Dataset.Flags {
		if f.Name == name {
			return &flagState{Name: f.Name, Environments: f.Environments}
		}
	}
	return nil
}

func (s snapshotContent) hasToken(id string) bool {
	for _, t := range s.Tokens {
		if t.ID == id && t.Hash != "" {
			return true
		}
	}
	return false
}

// waitSnapshot waits until the snapshot file at path satisfies ok. The file
// is written in the background, a little after each change; there is no
// event to wait on but the file itself.
func waitSnapshot(t *testing.T, path string, ok func(snapshotContent) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var s snapshotContent
		data, err := os.ReadFile(path)
		if err == nil && json.Unmarshal(data, &s) == nil && ok(s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot file %s did not show the change within 30 s: %v\n%s", path, err, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSnapshotFileConfiguration: the snapshot file lies beside a SQLite
// store, in ./data for the other stores, where --snapshot-file (or its
// variable) says, and nowhere when set to "" or off.
func TestSnapshotFileConfiguration(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, filepath.Join("data", "snapshot.json")},
		{[]string{"--store", "/var/lib/featureflags/flags.db"}, nil, "/var/lib/featureflags/snapshot.json"},
		{[]string{"--store", "file:/srv/ff/flags.db?cache=shared"}, nil, "/srv/ff/snapshot.json"},
		{[]string{"--store", "postgres://u@db/ff"}, nil, filepath.Join("data", "snapshot.json")},
		{[]string{"--store", "mongodb://db/ff"}, nil, filepath.Join("data", "snapshot.json")},
		{[]string{"--snapshot-file", "/tmp/s.json"}, nil, "/tmp/s.json"},
		{[]string{"--snapshot-file", ""}, nil, ""},
		{nil, map[string]string{"FEATUREFLAGS_SNAPSHOT_FILE": "off"}, ""},
		{nil, map[string]string{"FEATUREFLAGS_SNAPSHOT_FILE": "/tmp/e.json"}, "/tmp/e.json"},
		{[]string{"--snapshot-file", "/tmp/f.json"}, map[string]string{"FEATUREFLAGS_SNAPSHOT_FILE": "/tmp/e.json"}, "/tmp/f.json"},
	}
	for _, tc := range cases {
		cfg, err := parseConfig("serve", tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if err != nil {
			t.Fatalf("%v %v: %v", tc.args, tc.env, err)
		}
		if cfg.SnapshotFile != tc.want {
			t.Fatalf("%v %v: snapshot file %q, want %q", tc.args, tc.env, cfg.SnapshotFile, tc.want)
		}
	}
}

// TestUnusableSnapshotFile: a snapshot file that cannot be read does not
// start a server whose store is unreachable; the start fails naming both.
func TestUnusableSnapshotFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "snapshot.json")
	writeFile(t, path, `{"format":"featureflags-snapshot","version":1,"data`)
	r := runBinary(t, nil, nil, "serve", "--listen", "127.0.0.1:0", "--snapshot-file", path,
		"--store", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=1")
	if r.code == 0 || !strings.Contains(string(r.stderr), "snapshot file") || !strings.Contains(string(r.stderr), "--store") {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if strings.Contains(string(r.stderr), "secret") {
		t.Fatalf("a password reached the output: %s", r.stderr)
	}
}
