package ui_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// TestSegmentUsers: the segments list and a segment's page link to the
// flags (and segments) that use it; Delete is disabled with the reason
// while it is in use, and works once the last use is gone.
func TestSegmentUsers(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	seed(s) // search-v2 uses beta-testers in production
	s.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "insiders", "match": "any",
		"conditions": []map[string]any{{"operator": "inSegment", "value": "beta-testers"}}})
	b := newBrowser(t, s)
	b.signIn(s.Token)

	b.route("#/segments")
	b.wait("the list", `!!document.querySelector('a[href="#/segments/beta-testers"]')`)
	b.wait("its users", `!document.querySelector('a[href="#/segments/beta-testers"]').closest('tr').textContent.includes('Loading')`)
	links := evalJS[[]string](b, "the users' links", `[...document.querySelector('a[href="#/segments/beta-testers"]').closest('tr').querySelectorAll('.seg-users-cell a')].map(a => a.getAttribute('href'))`)
	if want := []string{"#/flags/search-v2", "#/segments/insiders"}; !reflect.DeepEqual(links, want) {
		t.Fatalf("the list links beta-testers to %v, want %v", links, want)
	}

	b.route("#/segments/beta-testers")
	b.wait("the users", `document.querySelectorAll('.seg-user').length === 2`)
	if got := b.text(".seg-user"); got != "Flag search-v2 in production" {
		t.Errorf("the first user reads %q", got)
	}
	b.wait("Delete disabled", `document.querySelector('.delete-segment').disabled`)
	why := b.text("#delete-why")
	if want := "It cannot be deleted while 1 flag and 1 segment use it (listed below): remove it from their rules first."; why != want {
		t.Errorf("the reason reads %q, want %q", why, want)
	}
	b.shot("segment-in-use", true)

	// Remove both uses elsewhere: the page follows, and Delete works.
	s.Expect(http.StatusOK, "DELETE", "/flags/search-v2/targeting/production", nil)
	s.Expect(http.StatusNoContent, "DELETE", "/segments/insiders", nil)
	b.wait("nothing uses it", `document.querySelector('.seg-users')?.textContent.includes('No flag or segment uses it.') && !document.querySelector('.delete-segment').disabled && document.querySelector('#delete-why').textContent === ''`)
	b.click(".delete-segment")
	b.click("dialog[open] .confirm")
	b.wait("the list without it", `location.hash === '#/segments' && !document.querySelector('a[href="#/segments/beta-testers"]')`)
	if r := s.Do("GET", "/segments/beta-testers", nil); r.Status != http.StatusNotFound {
		t.Fatalf("the deleted segment answers %d", r.Status)
	}
}

// TestSegmentUsersOneSource: the segments list and a segment's page say the
// same about what uses a segment, because both ask the server, which counts
// every flag: an archived flag the list of flags does not hold still uses
// the segment (and keeps it from being deleted).
func TestSegmentUsersOneSource(t *testing.T) {
	s := newServer(t)
	seed(s) // search-v2 uses beta-testers in production
	s.Expect(http.StatusOK, "POST", "/flags/search-v2/archive", nil)
	if r := s.Do("DELETE", "/segments/beta-testers", nil); r.Status != http.StatusConflict {
		t.Fatalf("deleting beta-testers, used by the archived search-v2: %d %s", r.Status, r.Body)
	}
	b := newBrowser(t, s)
	b.open("#/segments")
	b.wait("the list", `!!document.querySelector('a[href="#/segments/beta-testers"]')`)
	b.wait("its users", `!document.querySelector('a[href="#/segments/beta-testers"]').closest('tr').textContent.includes('Loading')`)
	links := evalJS[[]string](b, "the users' links", `[...document.querySelector('a[href="#/segments/beta-testers"]').closest('tr').querySelectorAll('.seg-users-cell a')].map(a => a.getAttribute('href'))`)
	if want := []string{"#/flags/search-v2"}; !reflect.DeepEqual(links, want) {
		t.Fatalf("the list links beta-testers to %v, want %v", links, want)
	}
	b.route("#/segments/beta-testers")
	b.wait("the page's users", `document.querySelectorAll('.seg-user').length === 1`)
	if got := b.text(".seg-user"); got != "Flag search-v2 in production" {
		t.Errorf("the page's user reads %q", got)
	}
	b.wait("Delete disabled", `document.querySelector('.delete-segment').disabled`)
}
