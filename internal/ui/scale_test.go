package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	ff "github.com/featureflags/featureflags"
)

// The throttled link of the measurement: 20 Mbit/s each way, 40 ms from
// request to response headers.
const (
	linkBytesPerSecond = 20e6 / 8
	linkLatencyMS      = 40
)

// importFlags stores n flags named flag-00000... at once.
func importFlags(t *testing.T, s *testServer, n int) {
	t.Helper()
	now := time.Now().UTC()
	d := &ff.Dataset{}
	for i := range n {
		d.Flags = append(d.Flags, &ff.Flag{
			ID: ff.NewID(), Name: fmt.Sprintf("flag-%05d", i), Description: fmt.Sprintf("Flag number %d of the load test", i),
			Environments: map[string]bool{"development": i%2 == 0, "staging": i%3 == 0, "production": i%5 == 0},
			Tags:         []string{[]string{"web", "api", "mobile"}[i%3]},
			Version:      1, CreatedAt: now, UpdatedAt: now,
		})
	}
	if err := s.Svc.Import(t.Context(), d); err != nil {
		t.Fatal(err)
	}
}

// throttle emulates the throttled link for every request of the tab, and
// records in window.__firstRow when the flag list's first row appeared.
func (b *browser) throttle() {
	b.t.Helper()
	b.do("throttle", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{
				Latency: linkLatencyMS, DownloadThroughput: linkBytesPerSecond, UploadThroughput: linkBytesPerSecond,
			}},
		})
		if err != nil {
			return err
		}
		_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
			new MutationObserver((_, obs) => {
				if (document.querySelector('.fwin .frow')) { window.__firstRow = performance.now(); obs.disconnect(); }
			}).observe(document, {childList: true, subtree: true});`})
		return err
	}))
}

// transfer is what the tab fetched after its first skip resources (event
// streams left out, as they never finish): requests and bytes on the wire.
type transfer struct {
	URLs  []string
	Bytes int64
}

func (b *browser) transferSince(skip int) transfer {
	b.t.Helper()
	return evalJS[transfer](b, "resources", fmt.Sprintf(`(() => {
		const rs = performance.getEntriesByType('resource').slice(%d).filter(r => !r.name.endsWith('/events'));
		return {URLs: rs.map(r => r.name.replace(location.origin, '')), Bytes: rs.reduce((n, r) => n + r.transferSize, 0)};
	})()`, skip))
}

// TestScaleOnThrottledLink loads the list of 10,000 flags over a 20 Mbit/s,
// 40 ms link and makes a change elsewhere. It checks what is fetched (the
// list once, compressed; after a remote change only the changed flag) and
// reports the figures: time to the first row and bytes per remote change.
func TestScaleOnThrottledLink(t *testing.T) {
	s := newServer(t)
	importFlags(t, s, 10000)
	b := newBrowser(t, s)
	b.throttle()
	b.open("#/flags")
	b.wait("the first row", `window.__firstRow !== undefined`)
	b.wait("live updates", `document.querySelector('#live')?.dataset.mode === 'stream'`)
	// From the page's request: the browser's own start-up before it is not
	// the page's.
	first := evalJS[float64](b, "first row", `window.__firstRow - performance.getEntriesByType('navigation')[0].requestStart`)
	load := b.transferSince(0)
	list := evalJS[[]float64](b, "the list's sizes", `performance.getEntriesByType('resource').filter(r => r.name.endsWith('/flags'))
		.flatMap(r => [r.transferSize, r.decodedBodySize, r.requestStart, r.responseStart, r.responseEnd])`)
	// What preceded the list: the requests sent before it, and when the
	// last of them (the page, its script and style) had arrived.
	before := evalJS[[]float64](b, "before the list", `(() => {
		const rs = performance.getEntriesByType('resource'), list = rs.find(r => r.name.endsWith('/flags'));
		const pre = rs.filter(r => r.startTime < list.requestStart && !r.name.endsWith('/flags'));
		return [pre.length, Math.max(...pre.map(r => r.responseEnd))];
	})()`)
	page := evalJS[[]float64](b, "the first page", `performance.getEntriesByType('resource').filter(r => r.name.includes('/flags?limit='))
		.flatMap(r => [r.transferSize, r.requestStart, r.responseEnd])`)
	if len(page) != 3 {
		t.Fatalf("the first page (GET /flags?limit=) fetched as %v: want one fetch", page)
	}
	if len(list) != 5 || list[0] >= list[1]/4 {
		t.Fatalf("GET /flags fetched as %v (bytes on the wire, decoded; once per fetch): want one fetch, compressed", list)
	}

	// flag-00000 is on in staging (0 % 3 == 0): the remote toggle turns it off.
	const stagingSwitch = `document.querySelector('.fwin button.switch[data-env="staging"]')?.getAttribute('aria-checked')`
	if on := evalJS[string](b, "staging before", stagingSwitch); on != "true" {
		t.Fatalf("flag-00000 in staging shows %q before the change, want true", on)
	}
	seen := evalJS[int](b, "resources so far", `performance.getEntriesByType('resource').length`)
	s.Expect(http.StatusOK, "POST", "/flags/flag-00000/toggle", map[string]any{"environment": "staging"})
	b.wait("the remote change", stagingSwitch+` === 'false'`)
	b.wait("its fetch finished", fmt.Sprintf(`performance.getEntriesByType('resource').length > %d`, seen))
	change := b.transferSince(seen)
	if len(change.URLs) != 1 || change.URLs[0] != "/flags?names=flag-00000" {
		t.Fatalf("a remote change fetched %v; want only /flags?names=flag-00000", change.URLs)
	}
	t.Logf("10,000 flags over %.0f Mbit/s, %d ms: first row %.0f ms after the page was requested; before the list %.0f requests, the last arrived at %.0f ms; its first page %.0f bytes, sent at %.0f ms, ended %.0f ms; GET /flags %.0f bytes on the wire (%.0f decoded), sent at %.0f ms, answer began %.0f ms, ended %.0f ms; page load %d bytes in %d requests; one remote change: %d bytes (%v)",
		linkBytesPerSecond*8/1e6, linkLatencyMS, first, before[0], before[1], page[0], page[1], page[2], list[0], list[1], list[2], list[3], list[4], load.Bytes, len(load.URLs), change.Bytes, change.URLs)
}
