package logbuf

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink records what reaches it, one slice per write, and signals each.
type sink struct {
	mu     sync.Mutex
	writes []string
	wrote  chan struct{}
	err    error
}

func newSink() *sink { return &sink{wrote: make(chan struct{}, 100)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.writes = append(s.writes, string(p))
	s.mu.Unlock()
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return len(p), s.err
}

func (s *sink) all() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.writes, ""), len(s.writes)
}

func TestLinesWaitThenLeaveInOneWrite(t *testing.T) {
	out := newSink()
	w := New(out)
	defer w.Close()
	for i := range 3 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if got, n := out.all(); n != 0 {
		t.Fatalf("written at once: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, n := out.all(); got != "line 0\nline 1\nline 2\n" || n != 1 {
		t.Fatalf("after Flush: %d writes of %q, want one of the three lines", n, got)
	}
}

func TestTimerWritesWithoutFlush(t *testing.T) {
	out := newSink()
	w := New(out)
	defer w.Close()
	io.WriteString(w, "alone\n")
	select {
	case <-out.wrote:
	case <-time.After(100 * Interval): // a bound on a broken timer, not a wait for it
		t.Fatal("a line was never written without Flush")
	}
	if got, _ := out.all(); got != "alone\n" {
		t.Fatalf("got %q", got)
	}
}

func TestFullBufferIsWrittenByTheWriterInOrder(t *testing.T) {
	out := newSink()
	w := New(out)
	defer w.Close()
	line := strings.Repeat("x", 1000) + "\n"
	var want strings.Builder
	for range Limit/len(line) + 1 { // one line more than fits
		io.WriteString(w, line)
		want.WriteString(line)
	}
	got, n := out.all()
	if n != 1 || len(got) != want.Len() {
		t.Fatalf("after filling the buffer: %d writes, %d bytes; want the whole %d bytes at once", n, len(got), want.Len())
	}
	// A line larger than the buffer goes through at once too.
	big := strings.Repeat("y", Limit+1)
	io.WriteString(w, big)
	if got, _ := out.all(); got != want.String()+big {
		t.Fatal("a line larger than the buffer was not written at once, after the others")
	}
}

func TestConcurrentLinesStayWhole(t *testing.T) {
	out := newSink()
	w := New(out)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				fmt.Fprintf(w, "g%d-%d %s\n", g, i, strings.Repeat("z", 100))
			}
		})
	}
	wg.Wait()
	w.Close()
	got, _ := out.all()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 8*2000 {
		t.Fatalf("%d lines, want %d", len(lines), 8*2000)
	}
	next := map[string]int{}
	for _, l := range lines {
		var g, i int
		if _, err := fmt.Sscanf(l, "g%d-%d", &g, &i); err != nil || len(l) != len(fmt.Sprintf("g%d-%d ", g, i))+100 {
			t.Fatalf("torn line %q", l)
		}
		if k := fmt.Sprint(g); next[k] != i {
			t.Fatalf("goroutine %d: line %d after %d: reordered", g, i, next[k]-1)
		}
		next[fmt.Sprint(g)]++
	}
}

func TestCloseWritesAndLaterLinesGoThrough(t *testing.T) {
	out := newSink()
	w := New(out)
	io.WriteString(w, "before\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := out.all(); got != "before\n" {
		t.Fatalf("Close wrote %q", got)
	}
	io.WriteString(w, "after\n")
	if got, _ := out.all(); got != "before\nafter\n" {
		t.Fatalf("a line after Close: %q", got)
	}
}

func TestFlushReportsTheOutputsError(t *testing.T) {
	out := newSink()
	out.err = errors.New("disk full")
	w := New(out)
	io.WriteString(w, "x\n")
	if err := w.Flush(); err == nil || err.Error() != "disk full" {
		t.Fatalf("Flush: %v", err)
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close forgot the error")
	}
}

func TestWarningsLeaveAtOnceWithWhatCameBefore(t *testing.T) {
	out := newSink()
	w := New(out)
	defer w.Close()
	log := slog.New(Handler(slog.NewJSONHandler(w, nil), w)).With("service", "s")
	log.Info("request")
	if _, n := out.all(); n != 0 {
		t.Fatal("an info line was written at once")
	}
	log.WithGroup("g").Warn("trouble", "k", "v")
	got, n := out.all()
	if n != 1 || !strings.Contains(got, `"msg":"request","service":"s"`) || !strings.Contains(got, `"msg":"trouble","service":"s","g":{"k":"v"}`) {
		t.Fatalf("after a warning: %d writes of %s", n, got)
	}
	log.Error("worse")
	if got, _ := out.all(); !strings.Contains(got, `"msg":"worse"`) {
		t.Fatalf("the error was not written at once: %s", got)
	}
}

// BenchmarkPipe logs a request line through slog's JSON handler to a pipe
// whose other end another goroutine drains, as a server's stderr is: each
// line written at once ("direct") against lines batched ("batched"), and
// the formatting alone ("discard").
func BenchmarkPipe(b *testing.B) {
	for _, name := range []string{"discard", "direct", "batched"} {
		b.Run(name, func(b *testing.B) {
			r, pw, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { io.Copy(io.Discard, r); close(done) }()
			var h slog.Handler = slog.NewJSONHandler(pw, nil)
			bw := New(pw)
			switch name {
			case "discard": // the line's formatting alone
				h = slog.NewJSONHandler(io.Discard, nil)
			case "batched":
				h = Handler(slog.NewJSONHandler(bw, nil), bw)
			}
			log := slog.New(h).With("service", "featureflags", "version", "dev")
			attrs := []slog.Attr{
				slog.String("method", "POST"), slog.String("route", "/ofrep/v1/evaluate/flags/{key}"),
				slog.String("path", "/ofrep/v1/evaluate/flags/flag-00000"), slog.Int("status", 200),
				slog.Int64("bytes", 93), slog.Float64("duration_ms", 0.042), slog.String("request_id", "0ef47625b4725bcf271bf177"),
				slog.String("client", "127.0.0.1"), slog.String("user_agent", "wrk"),
			}
			b.ReportAllocs()
			for b.Loop() {
				log.LogAttrs(b.Context(), slog.LevelInfo, "request", attrs...)
			}
			bw.Close()
			pw.Close()
			<-done
		})
	}
}

// TestDirect: only a JSON handler of JSONHandler's, with nothing added,
// hands out its Writer; it writes JSON and flushes at warn like Handler.
func TestDirect(t *testing.T) {
	out := newSink()
	w := New(out)
	defer w.Close()
	h := JSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { return slog.Attr{} }})
	if got, ok := Direct(h); !ok || got != w {
		t.Fatal("Direct refuses JSONHandler's handler")
	}
	for name, other := range map[string]slog.Handler{
		"Handler":   Handler(slog.NewJSONHandler(w, nil), w),
		"WithAttrs": h.WithAttrs([]slog.Attr{slog.String("k", "v")}),
		"WithGroup": h.WithGroup("g"),
		"plain":     slog.NewJSONHandler(w, nil),
	} {
		if _, ok := Direct(other); ok {
			t.Errorf("Direct accepts %s", name)
		}
	}
	log := slog.New(h)
	log.Info("kept", "k", 1)
	if _, n := out.all(); n != 0 {
		t.Fatal("an info line was written at once")
	}
	log.Warn("now")
	got, _ := out.all()
	if !strings.Contains(got, `"msg":"kept","k":1}`) || !strings.Contains(got, `"level":"WARN","msg":"now"}`) {
		t.Fatalf("lines (ReplaceAttr must be ignored): %q", got)
	}
}
