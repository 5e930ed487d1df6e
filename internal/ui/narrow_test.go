package ui_test

import (
	"fmt"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// offscreen lists the elements css selects whose box is not wholly inside
// the viewport's width, or that something else covers at their centre
// (clipped by a scrolling ancestor): what a person cannot reach without
// scrolling sideways.
func (b *browser) offscreen(css string) []string {
	b.t.Helper()
	return evalJS[[]string](b, "boxes of "+css, fmt.Sprintf(`[...document.querySelectorAll(%s)].filter(el => {
		el.scrollIntoView({block: 'center'});
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.left < 0 || r.right > document.documentElement.clientWidth) return true;
		const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return !top || !el.contains(top);
	}).map(el => (el.getAttribute('aria-label') || el.textContent).trim() + ' at ' + JSON.stringify(el.getBoundingClientRect()))`, js(css)))
}

// widerThanPage lists the page, and the elements css selects, when their
// content is wider than they are (sideways scrolling, hidden or not).
func (b *browser) widerThanPage(css string) []string {
	b.t.Helper()
	return evalJS[[]string](b, "widths", fmt.Sprintf(`[document.documentElement, ...document.querySelectorAll(%s)]
		.filter(el => el.scrollWidth > el.clientWidth)
		.map(el => (el.id || el.className || el.tagName) + ': ' + el.scrollWidth + ' > ' + el.clientWidth)`, js(css)))
}

// TestNarrowScreen: at 375 px, with five environments, every switch of
// the flags list and of a flag's page is on screen, the navigation opens
// as a menu whose links are all on screen, and tables fit (no sideways
// scrolling anywhere).
func TestNarrowScreen(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	seed(s)
	for _, env := range []string{"qa", "performance-lab"} {
		s.Expect(201, "POST", "/environments", map[string]any{"name": env})
	}
	b := newBrowser(t, s)
	b.viewport(375, 812)
	b.signIn(s.Token)
	b.wait("the list", `document.querySelectorAll('.fwin .frow').length === 6`)
	if n := b.count(".fwin button.switch"); n != 6*5 {
		t.Fatalf("%d switches in the list, want 30", n)
	}
	for _, el := range b.offscreen(".fwin button.switch") {
		t.Errorf("flags list: a switch out of reach: %s", el)
	}
	for _, el := range b.widerThanPage(".fwin, .fenvs, .toolbar") {
		t.Errorf("flags list: wider than shown: %s", el)
	}
	b.eval("scroll to the top", `window.scrollTo(0, 0)`)
	b.shot("mobile-375-five-environments", false)

	// The navigation: a menu button; open, every link on screen; a link
	// navigates and closes the menu.
	if n := b.count(".mainnav a"); n == 0 || len(b.offscreen(".mainnav a")) != n {
		t.Fatalf("the closed menu shows links: %d links, %v off screen", n, b.offscreen(".mainnav a"))
	}
	b.click("#menu")
	b.wait("the open menu", `document.querySelector('#menu').getAttribute('aria-expanded') === 'true'`)
	b.eval("scroll to the top", `window.scrollTo(0, 0)`)
	for _, el := range b.offscreen(".mainnav a") {
		t.Errorf("open menu: a link out of reach: %s", el)
	}
	b.shot("mobile-375-menu", false)
	b.click(`.mainnav a[data-nav="environments"]`)
	b.wait("the environments and the menu closed", `location.hash === '#/environments' && document.querySelector('#menu').getAttribute('aria-expanded') === 'false' && document.querySelectorAll('td .name').length === 5`)

	// Tables as stacks of labelled values, on every screen with one.
	for _, sc := range []struct{ hash, ready string }{
		{"#/environments", `document.querySelectorAll('td .name').length === 5`},
		{"#/segments", `!!document.querySelector('a[href="#/segments/beta-testers"]')`},
		{"#/tokens", `document.querySelectorAll('td .name').length >= 1`},
	} {
		b.route(sc.hash)
		b.wait(sc.hash, sc.ready)
		for _, el := range b.widerThanPage(".table-wrap, table.table") {
			t.Errorf("%s: wider than shown: %s", sc.hash, el)
		}
		if got := evalJS[string](b, "a cell's label", `document.querySelector('tbody td')?.dataset.label || ''`); got != "Name" {
			t.Errorf("%s: the first cell is labelled %q, want Name", sc.hash, got)
		}
	}
	b.shot("mobile-375-tokens", true)

	// A flag's page: every environment's switch on screen.
	b.route("#/flags/search-v2")
	b.wait("the flag page", `document.querySelectorAll('.envcard button.switch').length === 5`)
	for _, el := range b.offscreen(".envcard button.switch") {
		t.Errorf("flag page: a switch out of reach: %s", el)
	}
	for _, el := range b.widerThanPage(".envcards, .tabs") {
		t.Errorf("flag page: wider than shown: %s", el)
	}
}
