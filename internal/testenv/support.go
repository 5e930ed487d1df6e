package testenv

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the service's clock: real time moved on by what a test adds.
type Clock struct{ offset atomic.Int64 }

// Now is the clock's time.
func (k *Clock) Now() time.Time { return time.Now().Add(time.Duration(k.offset.Load())) }

// Advance moves the clock on by d.
func (k *Clock) Advance(d time.Duration) { k.offset.Add(int64(d)) }

// Logs is a log destination tests can read while the server writes.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Logs) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Logs) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
