package stream

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/wire"
)

func decode[T any](t *testing.T, data string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	return v
}

func TestSnapshotStream(t *testing.T) {
	h, src := NewHub(HubOptions{}), newSource()
	src.flags["a"] = testFlag("a", true)
	srv := server(t, h, src, Options{Retry: 1500 * time.Millisecond})
	s := connect(t, srv.URL+wire.StreamPath, prod)
	if first := <-s.events; first.retry != "1500" {
		t.Fatalf("first record %+v, want the retry hint", first)
	}
	ev := s.next(t)
	cfg := decode[wire.Config](t, ev.data)
	if ev.event != wire.EventSnapshot || ev.id != "1" || cfg.Revision != 1 || cfg.Environment != prod || len(cfg.Flags) != 1 {
		t.Fatalf("snapshot %+v", ev)
	}
	if f := cfg.Flags[0]; len(f.Targeting) != 1 || f.Targeting[prod] == nil || len(f.Environments) != 1 || !f.Environments[prod] {
		t.Fatalf("flag not projected to %s: %+v", prod, f)
	}
	if strings.Contains(ev.data, "staging-only") {
		t.Fatal("production stream leaked staging's targeting")
	}

	rev := src.commit(h, "", testFlag("b", false))
	ev = s.next(t)
	ch := decode[wire.Change](t, ev.data)
	if ev.event != wire.EventChange || ev.id != strconv.FormatInt(rev, 10) || ch.Revision != rev ||
		len(ch.Upsert) != 1 || ch.Upsert[0].Name != "b" || len(ch.Delete) != 0 || strings.Contains(ev.data, "staging-only") {
		t.Fatalf("change %+v", ev)
	}
	if !strings.Contains(ev.data, `"delete":[]`) {
		t.Fatalf("change without an empty delete list: %s", ev.data)
	}
	rev = src.commit(h, "b", testFlag("c", true)) // rename
	if ch = decode[wire.Change](t, s.next(t).data); ch.Revision != rev || ch.Upsert[0].Name != "c" || len(ch.Delete) != 1 || ch.Delete[0] != "b" {
		t.Fatalf("rename %+v", ch)
	}
	rev = src.commit(h, "c", nil)
	if ch = decode[wire.Change](t, s.next(t).data); ch.Revision != rev || len(ch.Upsert) != 0 || ch.Delete[0] != "c" {
		t.Fatalf("delete %+v", ch)
	}

	// A segment change is a snapshot.
	src.mu.Lock()
	src.rev++
	src.segments = []*featureflags.Segment{{Name: "beta", Conditions: []featureflags.Condition{{Attribute: "beta", Operator: "eq", Value: true}}}}
	src.mu.Unlock()
	h.PublishReset([]string{prod, staging}, src.rev, time.Now())
	ev = s.next(t)
	if cfg = decode[wire.Config](t, ev.data); ev.event != wire.EventSnapshot || cfg.Revision != src.rev || len(cfg.Segments) != 1 {
		t.Fatalf("snapshot after a segment change: %+v", ev)
	}
}

func TestSnapshotStreamResume(t *testing.T) {
	var snapshots atomic.Int32
	h, src := NewHub(HubOptions{History: 3, Metrics: Metrics{EventSent: func(_, event string) {
		if event == wire.EventSnapshot {
			snapshots.Add(1)
		}
	}}}), newSource()
	srv := server(t, h, src, Options{})
	s := connect(t, srv.URL+wire.StreamPath, prod)
	s.next(t) // snapshot at 1
	src.commit(h, "", testFlag("a", true))
	last := s.next(t).id // 2
	s.resp.Body.Close()
	s.ended(t)
	r3 := src.commit(h, "", testFlag("b", true))
	r4 := src.commit(h, "", testFlag("c", true))

	s = connect(t, srv.URL+wire.StreamPath, prod, wire.HeaderLastEventID, last)
	if s.resp.Header.Get(wire.HeaderResumed) != "true" {
		t.Fatal("stream not marked resumed")
	}
	for _, want := range []int64{r3, r4} {
		if ev := s.next(t); ev.event != wire.EventChange || ev.id != strconv.FormatInt(want, 10) {
			t.Fatalf("replayed %+v, want change %d", ev, want)
		}
	}
	if snapshots.Load() != 1 {
		t.Fatalf("%d snapshots sent, want only the first", snapshots.Load())
	}
	s.resp.Body.Close()

	// History holds 3 events: 2 was evicted by 3, 4 and 5, so 1 is too old.
	src.commit(h, "", testFlag("d", true))
	s = connect(t, srv.URL+wire.StreamPath, prod, wire.HeaderLastEventID, "1")
	if ev := s.next(t); ev.event != wire.EventSnapshot || s.resp.Header.Get(wire.HeaderResumed) != "" {
		t.Fatalf("too old a Last-Event-ID got %+v", ev)
	}
}

func TestSnapshotStreamHeartbeat(t *testing.T) {
	h, src := NewHub(HubOptions{}), newSource()
	srv := server(t, h, src, Options{Heartbeat: time.Millisecond})
	s := connect(t, srv.URL+wire.StreamPath, prod)
	for beats := 0; beats < 3; {
		ev, ok := recv(t, s.events)
		if !ok {
			t.Fatal("stream ended")
		}
		if len(ev.comments) == 1 && ev.comments[0] == "hb" {
			beats++
		}
	}
}

func TestStreamErrors(t *testing.T) {
	h, src := NewHub(HubOptions{}), newSource()
	srv := server(t, h, src, Options{})
	for _, tc := range []struct {
		path, env string
		status    int
	}{
		{wire.StreamPath, "", http.StatusBadRequest},
		{wire.StreamPath, "nope", http.StatusNotFound},
		{wire.OFREPEventsPath, "nope", http.StatusNotFound},
		{wire.ConfigPath, "nope", http.StatusNotFound},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		req.Header.Set(wire.HeaderEnvironment, tc.env)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]string{}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || body["error"] == "" {
			t.Errorf("%s env %q: %d %v, want %d", tc.path, tc.env, resp.StatusCode, body, tc.status)
		}
	}
}

// TestStuckClientDropped holds a real connection that never reads its
// stream while two others read: publishing large changes fills the stuck
// connection's socket buffers, its handler blocks, its subscription fills
// and is dropped, and the readers still get every change.
func TestStuckClientDropped(t *testing.T) {
	dropped := make(chan string, 1)
	h, src := NewHub(HubOptions{Buffer: 4, Metrics: Metrics{Dropped: func(env string) { dropped <- env }}}), newSource()
	srv := server(t, h, src, Options{WriteTimeout: wait}) // the drop, not the deadline, must end it
	readers := []*stream{connect(t, srv.URL+wire.StreamPath, prod), connect(t, srv.URL+wire.StreamPath, prod)}
	for _, s := range readers {
		s.next(t)
	}
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n%s: %s\r\n\r\n", wire.StreamPath, wire.HeaderEnvironment, prod)
	br := bufio.NewReader(conn)
	if status, err := br.ReadString('\n'); err != nil || !strings.Contains(status, "200") {
		t.Fatalf("stuck connection: %q %v", status, err)
	}
	// Wait until the hub knows the stuck stream, then stop reading it.
	for waited := time.After(wait); ; {
		if l, err := br.ReadString('\n'); err != nil || strings.HasPrefix(l, "event: snapshot") {
			break
		}
		select {
		case <-waited:
			t.Fatal("no snapshot on the stuck connection")
		default:
		}
	}
	big := strings.Repeat("x", 64<<10)
	var published []int64
	for i := 0; i < 2000 && len(dropped) == 0; i++ {
		f := testFlag("f"+strconv.Itoa(i), true)
		f.Description = big
		published = append(published, src.commit(h, "", f))
		for _, s := range readers { // the readers keep up; the stuck one does not
			if ev := s.next(t); ev.id != strconv.FormatInt(published[len(published)-1], 10) {
				t.Fatalf("reader got %s, want %d", ev.id, published[len(published)-1])
			}
		}
	}
	if env, _ := recv(t, dropped); env != prod {
		t.Fatalf("dropped in %q", env)
	}
	t.Logf("stuck stream dropped after %d changes of 64 KiB", len(published))
}

func TestManyStreams(t *testing.T) {
	h, src := NewHub(HubOptions{}), newSource()
	srv := server(t, h, src, Options{})
	const n = 100 // real connections; TestHubManySubscribers covers 1,000 in process
	streams := make([]*stream, n)
	for i := range streams {
		streams[i] = connect(t, srv.URL+wire.StreamPath, prod)
		streams[i].next(t)
	}
	rev := strconv.FormatInt(src.commit(h, "", testFlag("a", true)), 10)
	for _, s := range streams {
		if ev := s.next(t); ev.id != rev {
			t.Fatalf("got %+v", ev)
		}
	}
}

func TestHubCloseEndsStreams(t *testing.T) {
	h, src := NewHub(HubOptions{}), newSource()
	srv := server(t, h, src, Options{})
	s := connect(t, srv.URL+wire.StreamPath, prod)
	o := connect(t, srv.URL+wire.OFREPEventsPath, prod)
	s.next(t)
	h.Close()
	s.ended(t)
	o.ended(t)
}
