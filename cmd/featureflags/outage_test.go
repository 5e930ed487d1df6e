package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/wire"
)

// cutProxy forwards TCP connections to a database and can cut it off:
// Cut closes every open connection and refuses new ones (they are closed at
// once) until Restore. It stands for a network failure between the server
// and its database without touching the shared database server.
type cutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
	})
	go p.serve()
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

// track adds c to the open connections, or reports false while cut.
func (p *cutProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *cutProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *cutProxy) forward(c net.Conn) {
	defer c.Close()
	if !p.track(c) {
		return
	}
	defer p.untrack(c)
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer u.Close()
	if !p.track(u) {
		return
	}
	defer p.untrack(u)
	go func() {
		io.Copy(u, c)
		u.Close()
	}()
	io.Copy(c, u)
}

// Cut closes every connection and refuses new ones until Restore.
func (p *cutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *cutProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// proxiedPostgres returns a fresh PostgreSQL database reached through a
// cutProxy, its direct URL, and the proxy.
func proxiedPostgres(t *testing.T) (proxied, direct string, proxy *cutProxy) {
	t.Helper()
	direct = pgtest.URL(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy = newCutProxy(t, u.Host)
	u.Host = proxy.addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String(), direct, proxy
}

// call sends a request and returns the status, the Content-Type and the
// body; it reports transport failures instead of failing the test, so that
// load goroutines can use it.
func call(client *http.Client, method, u, body string, headers ...string) (int, string, string, error) {
	var b any
	if body != "" {
		b = body
	}
	r, err := (&testenv.Client{HTTP: client}).Send(method, u, b, headers...)
	if err != nil {
		return 0, "", "", err
	}
	return r.Status, r.Header.Get("Content-Type"), string(r.Body), nil
}

// evaluationLoad sends OFREP evaluations from several goroutines until
// stopped, checking each answer against want, which the test may change
// while the load runs.
type evaluationLoad struct {
	base    string
	headers []string
	want    atomic.Pointer[map[string][]any] // flag key -> the right values, for context
	context string

	answered atomic.Int64
	failed   atomic.Int64
	mu       sync.Mutex
	failures []string

	stop chan struct{}
	wg   sync.WaitGroup
}

func startEvaluationLoad(base, context string, want map[string][]any, workers int, headers ...string) *evaluationLoad {
	l := &evaluationLoad{base: base, headers: headers, context: context, stop: make(chan struct{})}
	l.want.Store(&want)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for w := range workers {
		l.wg.Go(func() {
			defer client.CloseIdleConnections()
			for i := w; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				want := *l.want.Load()
				keys := make([]string, 0, len(want))
				for k := range want {
					keys = append(keys, k)
				}
				key := keys[i%len(keys)]
				status, _, body, err := call(client, "POST", l.base+"/ofrep/v1/evaluate/flags/"+key, `{"context":`+l.context+`}`, l.headers...)
				var got struct{ Value any }
				if err == nil && status == http.StatusOK {
					err = json.Unmarshal([]byte(body), &got)
				}
				if err != nil || status != http.StatusOK || !slices.Contains(want[key], got.Value) {
					l.failed.Add(1)
					l.mu.Lock()
					if len(l.failures) < 5 {
						l.failures = append(l.failures, fmt.Sprintf("%s: %d %s %v", key, status, body, err))
					}
					l.mu.Unlock()
					continue
				}
				l.answered.Add(1)
			}
		})
	}
	return l
}

// waitAnswers waits until n more evaluations have been answered.
func (l *evaluationLoad) waitAnswers(t *testing.T, n int64) {
	t.Helper()
	target := l.answered.Load() + n
	deadline := time.Now().Add(30 * time.Second)
	for l.answered.Load() < target {
		if time.Now().After(deadline) || l.failed.Load() > 0 {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("evaluations stalled or failed: %d answered, %d failed: %v", l.answered.Load(), l.failed.Load(), l.failures)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (l *evaluationLoad) finish(t *testing.T) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	if n := l.failed.Load(); n > 0 {
		t.Fatalf("%d evaluations failed or answered wrongly (%d right), e.g. %v", n, l.answered.Load(), l.failures)
	}
	t.Logf("%d evaluations, all answered right", l.answered.Load())
}

// waitReady polls /readyz, as a load balancer does, until it answers want.
func waitReady(t *testing.T, base string, want int) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		status, _, body, err := call(http.DefaultClient, "GET", base+"/readyz", "")
		if err == nil && status == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not answer %d within a minute: %d %s %v", want, status, body, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitLog waits until the process has logged a line containing s.
func waitLog(t *testing.T, p *process, s string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(p.logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q within a minute:\n%s", s, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectUnavailable checks that a request answers 503 with a JSON error.
func expectUnavailable(t *testing.T, method, u, body string, headers ...string) string {
	t.Helper()
	status, ctype, b, err := call(http.DefaultClient, method, u, body, headers...)
	var e struct{ Error string }
	if err != nil || status != http.StatusServiceUnavailable || ctype != "application/json" || json.Unmarshal([]byte(b), &e) != nil || e.Error == "" {
		t.Fatalf("%s %s: %d %s %q %v, want 503 with a JSON error", method, u, status, ctype, b, err)
	}
	return e.Error
}

// subscribe opens the SDK snapshot stream of production, if this server
// has one (it is wired separately); nil when it answers 404.
func subscribe(t *testing.T, base string, headers ...string) *testenv.Stream {
	t.Helper()
	s, status, body := testenv.Dial(t, base+wire.StreamPath, append([]string{wire.HeaderEnvironment, "production"}, headers...)...)
	if status == http.StatusNotFound {
		t.Log("no /sdk/v1/stream on this server: changes are checked through OFREP only")
		return nil
	}
	if s == nil {
		t.Fatalf("GET %s: %d %s", wire.StreamPath, status, body)
	}
	t.Logf("subscribed to %s%s", base, wire.StreamPath)
	return s
}

// waitFlagState waits for a snapshot or change event of the stream that
// shows flag key on (or off) in production.
func waitFlagState(t *testing.T, s *testenv.Stream, key string, on bool) {
	t.Helper()
	s.Until(t, func(ev testenv.Event) bool { return testenv.Has(ev, key, "production", on) })
}

type flagState struct {
	Name         string          `json:"name"`
	Environments map[string]bool `json:"environments"`
}

// TestDatabaseOutageUnderLoad cuts the connection between two running
// replicas and PostgreSQL while clients evaluate: every evaluation still
// answers, right; management requests and /readyz answer 503 with JSON;
// once the connection is back, writes work again and a change made through
// one replica reaches the stream subscribers of both without a restart
// (the other replica does not poll: it hears of the change when its
// notification listener has reconnected).
func TestDatabaseOutageUnderLoad(t *testing.T) {
	pg, _, proxy := proxiedPostgres(t)
	p := start(t, t.TempDir(), "--store", pg, "--write-rate", "0", "--refresh-interval", "200ms")
	other := start(t, t.TempDir(), "--store", pg, "--write-rate", "0", "--refresh-interval", "0")
	for _, body := range []string{
		`{"name":"checkout","environments":{"production":true}}`,
		`{"name":"banner","type":"string","variants":{"a":"A","b":"B"},"environments":{"production":true},
		  "targeting":{"production":{"rules":[{"conditions":[{"attribute":"plan","operator":"eq","value":"pro"}],"serve":{"variant":"b"}}],"defaultServe":{"variant":"a"}}}}`,
	} {
		if status, b := p.post(t, "/flags", body); status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, b)
		}
	}
	events, otherEvents := subscribe(t, p.base), subscribe(t, other.base)
	for _, ev := range []*testenv.Stream{events, otherEvents} {
		if ev != nil {
			waitFlagState(t, ev, "checkout", true)
		}
	}

	load := startEvaluationLoad(p.base, `{"targetingKey":"u1","plan":"pro"}`, map[string][]any{"checkout": {true}, "banner": {"B"}}, 4)
	load.waitAnswers(t, 200)

	proxy.Cut()
	load.waitAnswers(t, 200)
	msg := expectUnavailable(t, "POST", p.base+"/flags/checkout/toggle", `{"environment":"production"}`)
	expectUnavailable(t, "POST", p.base+"/flags", `{"name":"during-outage"}`)
	expectUnavailable(t, "GET", p.base+"/flags", "")
	for _, base := range []string{p.base, other.base} {
		if ready := expectUnavailable(t, "GET", base+"/readyz", ""); !strings.Contains(ready, "cannot be reached") {
			t.Fatalf("/readyz during the outage: %q", ready)
		}
	}
	load.waitAnswers(t, 500)
	t.Logf("during the outage a write answered: %s", msg)

	proxy.Restore()
	waitReady(t, p.base, http.StatusOK)
	waitReady(t, other.base, http.StatusOK)
	load.waitAnswers(t, 200)
	load.want.Store(&map[string][]any{"checkout": {true, false}, "banner": {"B"}})
	if status, body := p.request(t, "POST", "/flags/checkout/toggle", "", `{"environment":"production"}`); status != http.StatusOK {
		t.Fatalf("toggle after the outage: %d %s", status, body)
	}
	load.want.Store(&map[string][]any{"checkout": {false}, "banner": {"B"}})
	for _, ev := range []*testenv.Stream{events, otherEvents} {
		if ev != nil {
			waitFlagState(t, ev, "checkout", false)
		}
	}
	load.waitAnswers(t, 200)
	load.finish(t)
	if status, body := p.post(t, "/flags", `{"name":"after-outage"}`); status != http.StatusCreated {
		t.Fatalf("create after the outage: %d %s", status, body)
	}
}
