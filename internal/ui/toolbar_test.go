package ui_test

import (
	"fmt"
	"testing"
)

// TestToolbarLayout: the flag list's toolbar at 1280 and 1024 px, light and
// dark, with owners whose names are long: every field and control wholly
// inside the viewport, no field overlapping another, two rows at most, and
// nothing on the page (the top bar's links too) wider than the viewport.
func TestToolbarLayout(t *testing.T) {
	s := newServer(t)
	seed(s)
	for i, owner := range []string{"platform-infrastructure-team", "growth-and-onboarding-squad@example.com"} {
		s.Expect(201, "POST", "/flags", map[string]any{"name": fmt.Sprintf("owned-%d", i), "owner": owner, "kind": "release"})
	}
	b := newBrowser(t, s)
	b.open("#/flags")
	b.wait("the list", `document.querySelectorAll('.fwin .frow').length === 8`)
	for _, width := range []int64{1280, 1024} {
		for _, scheme := range []string{"light", "dark"} {
			screen := fmt.Sprintf("toolbar at %d px, %s", width, scheme)
			b.viewport(width, 800)
			b.colorScheme(scheme)
			b.wait("a painted frame", `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
			layout := evalJS[struct {
				Outside, Overlaps []string
				Rows              int
			}](b, "the toolbar's boxes", `(() => {
				const box = (el) => [el.id || el.getAttribute('for') || el.querySelector('[id]').id, el.getBoundingClientRect()];
				const cells = [...document.querySelectorAll('.toolbar > *')].map(box);
				const controls = [...document.querySelectorAll('.toolbar input, .toolbar select')].map(box);
				const width = document.documentElement.clientWidth;
				const outside = [...cells, ...controls].filter(([, r]) => r.width === 0 || r.left < 0 || r.right > width)
					.map(([id, r]) => id + ' ' + Math.round(r.left) + '–' + Math.round(r.right) + ' of ' + width);
				const overlaps = [];
				cells.forEach(([a, r], i) => cells.slice(i + 1).forEach(([b, q]) => {
					if (r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom) overlaps.push(a + ' and ' + b);
				}));
				const rows = new Set(cells.map(([, r]) => Math.round(r.bottom))).size;
				return {Outside: outside, Overlaps: overlaps, Rows: rows};
			})()`)
			for _, o := range layout.Outside {
				t.Errorf("%s: outside the viewport: %s", screen, o)
			}
			for _, o := range layout.Overlaps {
				t.Errorf("%s: overlapping: %s", screen, o)
			}
			if layout.Rows > 2 {
				t.Errorf("%s: the controls take %d rows, want at most 2", screen, layout.Rows)
			}
			for _, el := range b.widerThanPage(".toolbar, .topbar, .mainnav") {
				t.Errorf("%s: wider than shown: %s", screen, el)
			}
			b.shot(fmt.Sprintf("toolbar-%d-%s", width, scheme), false)
			b.checkAxe(screen)
		}
	}
}
