package stream

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func revisions(evs []*Event) []int64 {
	var out []int64
	for _, e := range evs {
		out = append(out, e.Revision)
	}
	return out
}

func TestHubDeliversInRevisionOrder(t *testing.T) {
	h := NewHub(HubOptions{Buffer: 1000})
	subs := []*Subscription{h.Subscribe(prod, -1), h.Subscribe(prod, -1)}
	other := h.Subscribe(staging, -1)
	for rev := int64(1); rev <= 500; rev++ {
		h.Publish(prod, Event{Revision: rev})
	}
	for _, s := range subs {
		for want := int64(1); want <= 500; want++ {
			ev, ok := recv(t, s.C())
			if !ok || ev.Revision != want {
				t.Fatalf("got revision %d (open %t), want %d", ev.Revision, ok, want)
			}
		}
	}
	if len(other.C()) != 0 {
		t.Fatal("another environment's subscriber got events")
	}
}

func TestHubResume(t *testing.T) {
	h := NewHub(HubOptions{History: 4})
	if s := h.Subscribe(prod, 0); s.Resumed() {
		t.Fatal("resumed without any history")
	}
	for rev := int64(11); rev <= 20; rev++ { // history keeps 17..20
		h.Publish(prod, Event{Revision: rev})
	}
	for _, tc := range []struct {
		last    int64
		resumed bool
		replay  []int64
	}{
		{-1, false, nil}, // no Last-Event-ID
		{15, false, nil}, // 16 was evicted
		{16, true, []int64{17, 18, 19, 20}},
		{18, true, []int64{19, 20}},
		{20, true, nil},  // up to date
		{21, false, nil}, // from another history
	} {
		s := h.Subscribe(prod, tc.last)
		if s.Resumed() != tc.resumed || !equal(revisions(s.Replay()), tc.replay) {
			t.Errorf("Subscribe(%d): resumed %t replay %v, want %t %v", tc.last, s.Resumed(), revisions(s.Replay()), tc.resumed, tc.replay)
		}
		s.Close()
	}
	// The first event of a hub makes its predecessor resumable: a client at
	// 10 has seen everything before 11.
	h2 := NewHub(HubOptions{})
	h2.Publish(prod, Event{Revision: 11})
	if s := h2.Subscribe(prod, 10); !s.Resumed() || !equal(revisions(s.Replay()), []int64{11}) {
		t.Fatalf("resume at the first event's predecessor: %t %v", s.Resumed(), revisions(s.Replay()))
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHubOutOfOrderBecomesReset(t *testing.T) {
	h := NewHub(HubOptions{})
	s := h.Subscribe(prod, -1)
	h.Publish(prod, Event{Revision: 5})
	h.Publish(prod, Event{Revision: 4})
	h.Publish(prod, Event{Revision: 5})
	for i, want := range []struct {
		rev   int64
		reset bool
	}{{5, false}, {5, true}, {5, true}} {
		ev, _ := recv(t, s.C())
		if ev.Revision != want.rev || ev.Reset != want.reset {
			t.Fatalf("event %d: revision %d reset %t, want %d %t", i, ev.Revision, ev.Reset, want.rev, want.reset)
		}
	}
	if r := h.Subscribe(prod, 5); r.Resumed() {
		t.Fatal("resumed across an unordered event")
	}
	h.Publish(prod, Event{Revision: 6})
	if r := h.Subscribe(prod, 6); !r.Resumed() {
		t.Fatal("not resumable after the next ordered event")
	}
}

// TestHubDropsStuckSubscriber proves that a subscriber that never reads
// neither delays the publisher nor the other subscribers: the publisher
// waits for the readers' acknowledgement of each event (so they are never
// more than one event behind), Publish returns every time, and the stuck
// subscriber is dropped once its buffer is full.
func TestHubDropsStuckSubscriber(t *testing.T) {
	var dropped, connected atomic.Int32
	h := NewHub(HubOptions{Buffer: 8, Metrics: Metrics{
		Dropped:   func(string) { dropped.Add(1) },
		Connected: func(d int) { connected.Add(int32(d)) },
	}})
	const n, readers = 1000, 3
	stuck := h.Subscribe(prod, -1)
	acks := make(chan int64, readers)
	for range readers {
		s := h.Subscribe(prod, -1)
		go func() {
			for ev := range s.C() {
				acks <- ev.Revision
			}
		}()
	}
	deadline := time.After(wait)
	for rev := int64(1); rev <= n; rev++ {
		published := make(chan struct{})
		go func() { h.Publish(prod, Event{Revision: rev}); close(published) }()
		select {
		case <-published:
		case <-deadline:
			t.Fatalf("Publish of %d blocked", rev)
		}
		for range readers {
			select {
			case got := <-acks:
				if got != rev {
					t.Fatalf("reader got %d, want %d", got, rev)
				}
			case <-deadline:
				t.Fatalf("readers did not get %d", rev)
			}
		}
	}
	if !stuck.Dropped() || dropped.Load() != 1 {
		t.Fatalf("stuck subscriber dropped %t, drops %d", stuck.Dropped(), dropped.Load())
	}
	got := 0
	for range stuck.C() { // its buffer, then closed
		got++
	}
	if got != 8 {
		t.Fatalf("stuck subscriber held %d events, want its buffer of 8", got)
	}
	if connected.Load() != readers {
		t.Fatalf("connected gauge %d, want %d", connected.Load(), readers)
	}
}

func TestHubManySubscribers(t *testing.T) {
	h := NewHub(HubOptions{})
	const n = 1000
	var ready, got sync.WaitGroup
	var received atomic.Int32
	for range n {
		s := h.Subscribe(prod, -1)
		ready.Add(1)
		got.Go(func() {
			ready.Done()
			if ev, ok := <-s.C(); ok && ev.Revision == 7 {
				received.Add(1)
			}
		})
	}
	ready.Wait()
	h.Publish(prod, Event{Revision: 7})
	done := make(chan struct{})
	go func() { got.Wait(); close(done) }()
	if _, _ = recv(t, done); received.Load() != n {
		t.Fatalf("%d of %d subscribers got the change", received.Load(), n)
	}
}

func TestHubClose(t *testing.T) {
	h := NewHub(HubOptions{})
	s := h.Subscribe(prod, -1)
	h.Close()
	if _, ok := recv(t, s.C()); ok {
		t.Fatal("subscription open after Close")
	}
	h.Publish(prod, Event{Revision: 1}) // does nothing
	if _, ok := recv(t, h.Subscribe(prod, -1).C()); ok {
		t.Fatal("subscription after Close is open")
	}
	s.Close() // idempotent
}
