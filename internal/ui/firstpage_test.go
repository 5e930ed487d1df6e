package ui_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// hold pauses the tab's requests whose URL matches pattern (CDP wildcards:
// "*/flags" is the whole list, not "/flags?limit=50") until release is
// called; release waits for the first of them to have been paused.
func (b *browser) hold(pattern string) (release func()) {
	b.t.Helper()
	paused := make(chan fetch.RequestID, 8)
	events := chromedp.Events(b.ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			paused <- ev.RequestID
		}
	}()
	b.do("hold "+pattern, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return err
	}))
	return func() {
		b.t.Helper()
		var id fetch.RequestID
		select {
		case id = <-paused:
		case <-time.After(waitTimeout):
			b.t.Fatalf("no request for %s was paused", pattern)
		}
		b.do("release "+pattern, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{})
			return err
		}))
	}
}

// TestListFirstPage: while the whole list is on its way, the list shows its
// first page (the first 50 flags by name, saying the rest is loading), with
// working switches; then the whole list replaces it, the page's rows kept.
// A filtered view waits for the whole list instead.
func TestListFirstPage(t *testing.T) {
	s := newServer(t)
	importFlags(t, s, 120)
	b := newBrowser(t, s)
	release := b.hold("*/flags")
	b.open("#/flags")
	b.wait("the first page", `document.querySelector('#flag-count')?.textContent === 'The first 50 flags; loading the rest…'`)
	if got := b.text(".fwin .frow .fname .mono, .fwin .frow .fname a"); got != "flag-00000" {
		t.Errorf("the first row shows %q, want flag-00000", got)
	}
	first := evalJS[string](b, "the first row", `String(document.querySelector('.fwin .frow').dataset.id)`)
	release()
	b.wait("the whole list", `document.querySelector('#flag-count').textContent === '120 flags'`)
	if got := evalJS[string](b, "the first row", `String(document.querySelector('.fwin .frow').dataset.id)`); got != first {
		t.Errorf("the first row is flag %s, was %s", got, first)
	}
	b.eval("scroll to the end", `window.scrollTo(0, document.documentElement.scrollHeight)`)
	b.wait("the last flag", `[...document.querySelectorAll('.fwin .frow')].some(r => r.textContent.includes('flag-00119'))`)
	fetched := evalJS[[]string](b, "the list's requests", `performance.getEntriesByType('resource').map(r => r.name.replace(location.origin, '')).filter(n => n === '/flags' || n.startsWith('/flags?limit'))`)
	if len(fetched) != 2 || fetched[0] != "/flags?limit=50" || fetched[1] != "/flags" {
		t.Errorf("the list was fetched as %v, want /flags?limit=50 then /flags", fetched)
	}

	// A filtered view needs every flag: no first page.
	b.route("#/flags?tag=web")
	b.do("reload", chromedp.Reload())
	b.wait("the filtered list", `document.querySelector('#flag-count')?.textContent === '40 of 120 flags match'`)
	if n := evalJS[int](b, "first pages", `performance.getEntriesByType('resource').filter(r => r.name.includes('limit=')).length`); n != 0 {
		t.Errorf("the filtered view asked for a first page %d times", n)
	}
}
