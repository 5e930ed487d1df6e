package codec

import (
	"runtime"
	"sync"

	ff "github.com/featureflags/featureflags"
)

// FlagDecoder decodes the JSON columns of many flags on the machine's other
// cores while the caller goes on reading rows: reading a whole store (at
// start, 100,000 flags) waits for the slower of the two, not for both.
type FlagDecoder struct {
	wg    sync.WaitGroup
	slots chan struct{} // one per decoding goroutine
	batch []scanned

	mu  sync.Mutex
	err error // the first error
}

type scanned struct {
	f *ff.Flag
	c FlagColumns
}

// decodeBatch is how many flags one goroutine decodes at a time.
const decodeBatch = 512

// NewFlagDecoder returns a decoder using up to GOMAXPROCS goroutines.
func NewFlagDecoder() *FlagDecoder {
	return &FlagDecoder{slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// Add has f's columns c decoded into f by the time Wait returns.
func (d *FlagDecoder) Add(f *ff.Flag, c FlagColumns) {
	d.batch = append(d.batch, scanned{f, c})
	if len(d.batch) == decodeBatch {
		d.start()
	}
}

func (d *FlagDecoder) start() {
	batch := d.batch
	d.batch = nil
	d.slots <- struct{}{}
	d.wg.Go(func() {
		defer func() { <-d.slots }()
		for _, s := range batch {
			if err := DecodeFlag(s.f, s.c); err != nil {
				d.mu.Lock()
				if d.err == nil {
					d.err = err
				}
				d.mu.Unlock()
				return
			}
		}
	})
}

// Wait decodes what is left and returns the first error, if any.
func (d *FlagDecoder) Wait() error {
	if len(d.batch) > 0 {
		d.start()
	}
	d.wg.Wait()
	return d.err
}
