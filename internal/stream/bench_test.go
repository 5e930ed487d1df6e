package stream

import (
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/featureflags/featureflags/wire"
)

// reportLatency reports the median and 99th percentile of lat.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkHubPropagation measures one change from Publish to a subscriber
// goroutine of the same hub, one change at a time.
func BenchmarkHubPropagation(b *testing.B) {
	h := NewHub(HubOptions{})
	s := h.Subscribe(prod, -1)
	lat := make([]time.Duration, 0, 1<<16)
	rev := int64(0)
	for b.Loop() {
		rev++
		h.Publish(prod, Event{Revision: rev, Time: time.Now()})
		ev := <-s.C()
		lat = append(lat, time.Since(ev.Time))
	}
	reportLatency(b, lat)
}

// BenchmarkSSEPropagation measures one change from Publish to the change
// event parsed by a client of the snapshot stream over loopback HTTP.
func BenchmarkSSEPropagation(b *testing.B) {
	h, src := NewHub(HubOptions{}), newSource()
	srv := server(b, h, src, Options{})
	s := connect(b, srv.URL+wire.StreamPath, prod)
	<-s.events // retry
	<-s.events // snapshot
	f := testFlag("a", true)
	lat := make([]time.Duration, 0, 1<<16)
	rev := int64(1)
	for b.Loop() {
		rev++
		start := time.Now()
		h.PublishFlag([]string{prod}, rev, start, "", f)
		for ev := range s.events {
			if ev.id == strconv.FormatInt(rev, 10) {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

// BenchmarkFanout10000 measures one publish reaching 10,000 subscribers,
// each served by its own goroutine as a stream is, and the memory each
// subscriber costs (subscription, buffer and goroutine stack).
func BenchmarkFanout10000(b *testing.B) {
	const n = 10000
	h := NewHub(HubOptions{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var got sync.WaitGroup
	stop := make(chan struct{})
	for range n {
		s := h.Subscribe(prod, -1)
		go func() {
			for {
				select {
				case <-s.C():
					got.Done()
				case <-stop:
					return
				}
			}
		}()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSub := float64(after.HeapAlloc+after.StackInuse-before.HeapAlloc-before.StackInuse) / n
	rev := int64(0)
	for b.Loop() {
		rev++
		got.Add(n)
		h.Publish(prod, Event{Revision: rev, Time: time.Now()})
		got.Wait()
	}
	close(stop)
	b.ReportMetric(perSub, "B/subscriber")
}
