package ui_test

// The harness of the browser tests: the real server (internal/server on
// internal/service on a SQLite store) on a real listener, an API client to
// check each step, and a headless Chromium driven with chromedp.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/featureflags/featureflags/internal/testenv"
)

// testServer is the real server on a fresh SQLite store; its client is
// the admin's when access control is on.
type testServer struct {
	*testenv.Server
	t *testing.T
}

// withoutEvents makes GET /events answer 404 as a server without the event
// stream does, so the UI has to poll.
func withoutEvents() testenv.Option {
	return testenv.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/events" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, `{"error":"no such endpoint: /events"}`+"\n")
				return
			}
			next.ServeHTTP(w, r)
		})
	})
}

func newServer(t *testing.T, opts ...testenv.Option) *testServer {
	t.Helper()
	return &testServer{Server: testenv.Start(t, opts...), t: t}
}

// flag is a flag as the API answers it.
type flag struct {
	ID           string                     `json:"_id"`
	Name         string                     `json:"name"`
	Description  string                     `json:"description"`
	Type         string                     `json:"type"`
	Variants     map[string]any             `json:"variants"`
	Environments map[string]bool            `json:"environments"`
	Targeting    map[string]json.RawMessage `json:"targeting"`
	Tags         []string                   `json:"tags"`
	Version      int64                      `json:"version"`
}

func (s *testServer) flag(name string) flag {
	s.t.Helper()
	var f flag
	s.Expect(http.StatusOK, "GET", "/flags/"+name, nil).JSON(s.t, &f)
	return f
}

// ---- the browser ----

// chromium finds the browser: $CHROMIUM, else chromium on the PATH. When
// it is missing the test is skipped, or fails when CI is set (CI installs
// it: apt-get install -y chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "headless Chromium is not installed, so the browser tests cannot run: install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM to its path)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium with one tab, on one server.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	// width and height are the viewport's.
	width, height int64

	mu     sync.Mutex
	errors []string // uncaught exceptions and console errors of the page
}

// Timeouts: a step, and a condition waited for. Waiting is always for a
// condition (chromedp.Poll, WaitVisible), never a fixed sleep.
const (
	stepTimeout = 20 * time.Second
	waitTimeout = 12 * time.Second
)

func newBrowser(t *testing.T, s *testServer) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: ctx, base: s.URL(), width: 1280, height: 860}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			b.record(fmt.Sprintf("uncaught: %s (%s:%d)", msg, d.URL, d.LineNumber+1))
		}
	}()
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, a.Description+string(a.Value))
				}
				b.record("console.error: " + strings.Join(parts, " "))
			}
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("the page reported an error: %s", e)
		}
	})
	return b
}

func (b *browser) record(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, msg)
}

// do runs actions, failing the test on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.describe())
	}
}

// describe summarizes the page for failure messages, and saves a
// screenshot of it as screenshots/failed-<test>.png.
func (b *browser) describe() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		name := "failed-" + strings.NewReplacer("/", "-", " ", "_").Replace(b.t.Name()) + ".png"
		os.WriteFile(filepath.Join(screenshotDir(b.t), name), png, 0o644)
	}
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + " | " + (document.querySelector('main')?.innerText || '').slice(0, 600).replace(/\s+/g, ' ') + " | toasts: " + document.getElementById('toasts')?.innerText`))
	return s
}

// open loads the UI at a hash route, e.g. "#/flags".
func (b *browser) open(hash string) {
	b.t.Helper()
	b.do("open "+hash, chromedp.Navigate(b.base+"/"+hash))
}

// route changes the hash route without reloading.
func (b *browser) route(hash string) {
	b.t.Helper()
	b.eval("navigate to "+hash, fmt.Sprintf(`location.hash = %s`, js(hash)))
}

// wait waits until the JavaScript expression is truthy.
func (b *browser) wait(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(waitTimeout), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("waiting for %s (%s): %v\npage: %s", what, expr, err, b.describe())
	}
}

// eval evaluates JavaScript for its effect.
func (b *browser) eval(what, expr string) {
	b.t.Helper()
	evalJS[any](b, what, expr)
}

// evalJS evaluates JavaScript and decodes its value.
func evalJS[T any](b *browser, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.describe())
	}
	return v
}

// click clicks the element css selects, once it is visible. A message
// (toast) lying over it is dismissed first, as a person would.
func (b *browser) click(css string) {
	b.t.Helper()
	b.do("wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
	b.eval("uncover "+css, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.scrollIntoView({block: 'center'});
		const r = el.getBoundingClientRect();
		const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		top?.closest('.toast')?.querySelector('[aria-label="Dismiss message"]')?.click();
		return true;
	})()`, js(css)))
	b.do("click "+css, chromedp.Click(chromedp.CSS(css)))
}

// typeInto focuses the element and types text with key events.
func (b *browser) typeInto(css, text string) {
	b.t.Helper()
	b.do("type into "+css, chromedp.WaitVisible(chromedp.CSS(css)), chromedp.SendKeys(chromedp.CSS(css), text))
}

// fill replaces the value of a field and fires input and change, as
// typing would (for values typing is awkward for, e.g. multi-line JSON).
func (b *browser) fill(css, value string) {
	b.t.Helper()
	b.do("wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
	b.eval("fill "+css, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.focus();
		el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, js(css), js(value)))
}

// text returns the text of the first element css selects ("" if none).
func (b *browser) text(css string) string {
	b.t.Helper()
	return evalJS[string](b, "text of "+css, fmt.Sprintf(`document.querySelector(%s)?.textContent ?? ''`, js(css)))
}

// count returns how many elements css selects.
func (b *browser) count(css string) int {
	b.t.Helper()
	return evalJS[int](b, "count "+css, fmt.Sprintf(`document.querySelectorAll(%s).length`, js(css)))
}

// screenshotDir is where the screenshots go: screenshots/ at the root of
// the repository (ignored by git), for people to look at.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot writes a screenshot of the viewport (or with full, the whole page)
// to screenshots/<name>.png.
func (b *browser) shot(name string, full bool) {
	b.t.Helper()
	b.checkLabels(name)
	// Passing messages would hide the screen: dismiss them (errors stay).
	b.eval("dismiss messages", `document.querySelectorAll('.toast:not(.error)').forEach(t => t.remove())`)
	// Let transitions and fonts settle: wait for two animation frames.
	b.wait("a painted frame", `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	if full {
		// The whole page, in a viewport as tall as the page, so that what
		// sticks to the viewport's bottom is where a person would see it
		// at the end of the page.
		height := evalJS[int64](b, "page height", `document.documentElement.scrollHeight`)
		w, h := b.width, b.height
		b.viewport(w, height)
		defer b.viewport(w, h)
		b.wait("a painted frame", `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(b.t), name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// checkLabels fails the test for every visible control without an
// accessible name: a <label>, aria-label, aria-labelledby, or a button's
// text.
func (b *browser) checkLabels(screen string) {
	b.t.Helper()
	bad := evalJS[[]string](b, "labels", `[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, [role=switch], [role=tab]')]
		.filter(el => el.getClientRects().length > 0)
		.filter(el => {
			const by = el.getAttribute('aria-labelledby');
			const name = el.getAttribute('aria-label') ||
				(by && by.split(' ').map(id => document.getElementById(id)?.textContent || '').join(' ')) ||
				[...(el.labels || [])].map(l => l.textContent).join(' ') ||
				((el.tagName === 'BUTTON' || el.getAttribute('role')) && el.textContent);
			return !name || !name.trim();
		})
		.map(el => el.outerHTML.slice(0, 140))`)
	for _, el := range bad {
		b.t.Errorf("%s: a control without an accessible name: %s", screen, el)
	}
}

// colorScheme emulates prefers-color-scheme ("dark", "light" or "" for none).
func (b *browser) colorScheme(scheme string) {
	b.t.Helper()
	var features []*emulation.MediaFeature
	if scheme != "" {
		features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
	}
	b.do("color scheme "+scheme, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features})
		return err
	}))
}

// viewport sets the size of the page's viewport.
func (b *browser) viewport(width, height int64) {
	b.t.Helper()
	b.width, b.height = width, height
	b.do("viewport", chromedp.EmulateViewport(width, height))
}

// signIn signs in through the form with secret and waits for the flags.
func (b *browser) signIn(secret string) {
	b.t.Helper()
	b.open("#/flags")
	b.typeInto(`input[name="token"]`, secret)
	b.click(`.signin button[type="submit"]`)
	b.wait("the flags list after signing in", `document.querySelector('#flag-count')?.textContent !== undefined && !document.querySelector('.signin')`)
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
