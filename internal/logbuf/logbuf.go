// Package logbuf batches the server's log lines: one write(2) per line
// was, with every evaluation logged, the largest cost of an OFREP request
// after the network itself.
//
// A Writer keeps lines in memory and writes them in one go at most
// Interval after the first of them, or as soon as Limit bytes wait, in the
// goroutine that fills the buffer (so memory stays bounded and nothing is
// dropped). Handler writes warnings and errors, and every line before
// them, at once. What a process killed outright (SIGKILL, a fatal runtime
// error) loses is therefore at most its last Interval of info lines.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

const (
	// Interval is the longest a line waits in memory.
	Interval = 100 * time.Millisecond
	// Limit is the most bytes that wait: past it, the writer that fills
	// the buffer writes it out.
	Limit = 256 << 10
)

// Writer batches writes to an io.Writer. It is safe for concurrent use.
type Writer struct {
	out   io.Writer
	outMu sync.Mutex // held while writing to out: batches leave in order

	mu      sync.Mutex
	pending []byte // lines not yet written
	spare   []byte // the other buffer, reused for the next batch
	armed   bool   // the timer will write pending
	closed  bool
	err     error // the first error out returned
	timer   *time.Timer
}

// New returns a Writer to out; Close writes what waits and stops it.
func New(out io.Writer) *Writer {
	w := &Writer{out: out}
	w.timer = time.AfterFunc(time.Hour, func() { w.Flush() })
	w.timer.Stop()
	return w
}

// Write keeps p to write later, or writes it with what waits when the
// buffer is full or the Writer closed. It reports no error of out's until
// Flush or Close, which return the first.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if !w.closed && len(w.pending)+len(p) <= Limit {
		w.pending = append(w.pending, p...)
		if !w.armed {
			w.armed = true
			w.timer.Reset(Interval)
		}
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	return len(p), w.write(p)
}

// Flush writes what waits and returns the first error out returned.
func (w *Writer) Flush() error { return w.write(nil) }

// Close writes what waits; later writes go straight through.
func (w *Writer) Close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.timer.Stop()
	return w.Flush()
}

// write writes what waits, then p, in one write.
func (w *Writer) write(p []byte) error {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	w.mu.Lock()
	batch := append(w.pending, p...)
	w.pending, w.spare, w.armed = w.spare[:0], nil, false
	w.mu.Unlock()
	var err error
	if len(batch) > 0 {
		_, err = w.out.Write(batch)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if cap(batch) <= 2*Limit { // one oversized line does not stay pinned
		w.spare = batch[:0]
	}
	if w.err == nil {
		w.err = err
	}
	return w.err
}

// Handler returns h that, after writing a record of level warn or above,
// flushes w: what goes wrong is on its way out before anything else
// happens.
func Handler(h slog.Handler, w *Writer) slog.Handler { return flushing{Handler: h, w: w} }

// JSONHandler is Handler of slog's JSON handler writing to w with opts
// but no ReplaceAttr: lines whose shape is known, so that a caller on a
// hot path may append its own lines in that shape (see Direct).
func JSONHandler(w *Writer, opts *slog.HandlerOptions) slog.Handler {
	o := slog.HandlerOptions{}
	if opts != nil {
		o = *opts
	}
	o.ReplaceAttr = nil
	return flushing{Handler: slog.NewJSONHandler(w, &o), w: w, plainJSON: true}
}

// Direct returns the Writer of a handler JSONHandler made, with no
// attributes or groups added since: lines appended to it by hand in the
// JSON handler's shape, {"time","level","msg",attributes...}, read as the
// handler's own. Lines written there at warn level or above must be
// followed by a Flush, as Handler does.
func Direct(h slog.Handler) (*Writer, bool) {
	f, ok := h.(flushing)
	return f.w, ok && f.plainJSON
}

type flushing struct {
	slog.Handler
	w         *Writer
	plainJSON bool // made by JSONHandler, without attributes or groups since
}

func (f flushing) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		f.w.Flush()
	}
	return err
}

func (f flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{Handler: f.Handler.WithAttrs(attrs), w: f.w}
}

func (f flushing) WithGroup(name string) slog.Handler {
	return flushing{Handler: f.Handler.WithGroup(name), w: f.w}
}
