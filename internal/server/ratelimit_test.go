package server

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestLimiterBoundedUnderFlood: requests from many more addresses than
// maxBuckets, all within one instant (so no bucket refills and sweeping
// alone frees nothing), keep the limiter's map within maxBuckets, and a
// client that had used up its bucket before the flood is still limited.
func TestLimiterBoundedUnderFlood(t *testing.T) {
	at := time.Unix(1_000_000, 0)
	l := newLimiter("write-rate", "changes", 20, 40, func() time.Time { return at })
	for range 40 {
		if err := l.allow("addr:victim"); err != nil {
			t.Fatal(err)
		}
	}
	largest := 0
	for i := range 5 * maxBuckets {
		if err := l.allow("addr:10.0." + strconv.Itoa(i)); err != nil {
			t.Fatalf("first request of a new address refused: %v", err)
		}
		largest = max(largest, len(l.buckets))
	}
	if largest > maxBuckets {
		t.Fatalf("the limiter held %d buckets, more than maxBuckets (%d)", largest, maxBuckets)
	}
	if err := l.allow("addr:victim"); err == nil {
		t.Fatal("the flood reset a drained client's bucket")
	}
}

// BenchmarkLimiterFloodMemory measures the heap a limiter holds after a
// flood from 5 × maxBuckets addresses in one instant: bounded by
// maxBuckets whatever the flood's size.
func BenchmarkLimiterFloodMemory(b *testing.B) {
	at := time.Unix(1_000_000, 0)
	keys := make([]string, 5*maxBuckets)
	for i := range keys {
		keys[i] = "addr:2001:db8::" + strconv.Itoa(i)
	}
	var heap uint64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		l := newLimiter("eval-rate", "changes", 100, 200, func() time.Time { return at })
		for _, k := range keys {
			_ = l.allow(k)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(l)
	}
	b.ReportMetric(float64(heap), "heap-bytes")
	b.ReportMetric(float64(maxBuckets), "max-buckets")
}
