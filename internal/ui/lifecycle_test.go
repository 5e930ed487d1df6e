package ui_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// seedUsage stores count evaluations of flag in env for variant, days
// days ago (0: this hour), as the usage flush would.
func seedUsage(t *testing.T, s *testServer, flagID, env, variant string, daysAgo int, count int64) {
	t.Helper()
	us := s.Store.(ff.UsageStore)
	hour := ff.UsageHour(time.Now()).Add(-time.Duration(daysAgo) * 24 * time.Hour)
	if err := us.AddUsage(t.Context(), []ff.UsageBucket{{FlagID: flagID, Environment: env, Variant: variant, Reason: "TARGETING_MATCH", Hour: hour, Count: count}}); err != nil {
		t.Fatal(err)
	}
}

// TestKnowYourFlags: the list shows owner, kind, a sparkline and the last
// evaluation per environment, and stale badges with their reasons; it
// filters by stale reason, owner, kind and archived; the flag page edits
// owner, kind and expiry, draws its usage per variant with a table, says
// why it is stale, archives and restores it.
func TestKnowYourFlags(t *testing.T) {
	s := newServer(t)
	yesterday := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{
		"name": "checkout", "type": "string", "owner": "team-payments", "kind": "release",
		"variants": map[string]any{"new": "new", "old": "old"}, "environments": map[string]bool{"production": true},
	})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "old-banner", "kind": "operational", "expiresAt": yesterday})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "quiet"})
	checkout := s.flag("checkout")
	for day, n := range []int64{0, 12, 30, 0, 7, 50, 20} {
		seedUsage(t, s, checkout.ID, "production", "new", 6-day, n)
		seedUsage(t, s, checkout.ID, "production", "old", 6-day, n/2+1)
	}
	s.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags/checkout", map[string]any{"context": map[string]any{"targetingKey": "u1"}})
	if err := s.API().Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, s)
	b.open("#/flags")
	b.wait("three rows", `document.querySelectorAll('.fwin .frow').length === 3`)
	row := `.fwin .frow[data-id="` + checkout.ID + `"]`
	b.wait("the sparklines", `!!document.querySelector('`+row+` .fenv polyline')`)
	if got := b.text(row + " .owner"); !strings.Contains(got, "team-payments") {
		t.Fatalf("owner shown as %q", got)
	}
	if got := b.text(row + " .badge-kind"); got != "release" {
		t.Fatalf("kind shown as %q", got)
	}
	spark := evalJS[string](b, "the production sparkline", `document.querySelector('`+row+` .fenv:nth-child(3) svg.spark').getAttribute('aria-label')`)
	if !strings.Contains(spark, "in production") || !strings.Contains(spark, "186 evaluations in production over the last 7 days: 1, 19, 46, 1, 11, 76, 32 a day") {
		t.Fatalf("production sparkline labelled %q", spark)
	}
	if got := b.text(row + ` .flast[data-env="production"]`); got != "just now" {
		t.Fatalf("last evaluated in production shown as %q", got)
	}
	if got := b.text(row + ` .flast[data-env="staging"]`); got != "never" {
		t.Fatalf("last evaluated in staging shown as %q", got)
	}
	b.wait("the overdue badge", `!!document.querySelector('.badge-stale[data-stale="overdue"]')`)
	title := evalJS[string](b, "the badge's reason", `document.querySelector('.badge-stale').title`)
	if !strings.Contains(title, "expire") && !strings.Contains(title, "expir") {
		t.Fatalf("overdue badge explained as %q", title)
	}
	b.shot("flags-know-your-flags", false)

	// Filters: stale, owner, kind.
	b.fill("#flt-stale", "overdue")
	b.wait("only the overdue flag", `document.querySelectorAll('.fwin .frow').length === 1 && document.querySelector('.fwin [data-col="name"]').textContent === 'old-banner'`)
	b.fill("#flt-stale", "")
	b.fill("#flt-owner", "team-payments")
	b.wait("only the owner's flag", `document.querySelectorAll('.fwin .frow').length === 1 && document.querySelector('.fwin [data-col="name"]').textContent === 'checkout'`)
	b.fill("#flt-owner", "")
	b.fill("#flt-kind", "none")
	b.wait("only the flag without a kind", `document.querySelectorAll('.fwin .frow').length === 1 && document.querySelector('.fwin [data-col="name"]').textContent === 'quiet'`)
	b.fill("#flt-kind", "")

	// The flag page: usage per variant, lifecycle, edit.
	b.route("#/flags/checkout")
	b.wait("the usage chart", `document.querySelectorAll('.usage-chart polyline').length === 2`)
	desc := b.text(".usage-desc")
	if !strings.Contains(desc, "new 120") || !strings.Contains(desc, "old") {
		t.Fatalf("the chart described as %q", desc)
	}
	if n := b.count(".usage-table tbody tr"); n != 7 {
		t.Fatalf("usage table has %d rows, want 7 days", n)
	}
	if head := b.text("main"); strings.Contains(head, "null") {
		t.Fatalf("the page shows %q", head)
	}
	b.shot("flag-usage", true)
	b.click(".edit-flag")
	b.fill(`dialog[open] [data-field="owner"]`, "team-growth")
	b.fill(`dialog[open] [data-field="kind"]`, "experiment")
	b.fill(`dialog[open] [data-field="expiresAt"]`, "2030-01-31")
	b.click(`dialog[open] button[type="submit"]`)
	b.wait("the new owner", `document.querySelector('.lc-owner')?.textContent === 'Owner: team-growth'`)
	var f struct {
		Owner, Kind, ExpiresAt string
	}
	s.Expect(http.StatusOK, "GET", "/flags/checkout", nil).JSON(t, &f)
	if f.Owner != "team-growth" || f.Kind != "experiment" || !strings.HasPrefix(f.ExpiresAt, "2030-01-31T00:00:00") {
		t.Fatalf("saved lifecycle %+v", f)
	}

	// The stale explanation in words, then archive and restore.
	b.route("#/flags/old-banner")
	b.wait("the stale notice", `!!document.querySelector('.stale-notice li[data-stale="overdue"]')`)
	b.shot("flag-stale", false)
	if n := b.count(".delete-flag"); n != 0 {
		t.Fatalf("a live flag offers delete (%d buttons); it is archived first", n)
	}
	b.click(".archive-flag")
	b.click("dialog[open] .confirm")
	b.wait("the list without it", `location.hash === '#/flags' && document.querySelectorAll('.fwin .frow').length === 2`)
	b.click("#flt-archived")
	b.wait("the archived list", `document.querySelectorAll('.fwin .frow').length === 1 && !!document.querySelector('.fwin .badge-archived')`)
	if n := b.count(".fwin button.switch"); n != 0 {
		t.Fatalf("an archived flag shows %d switches", n)
	}
	b.shot("flags-archived", false)
	b.click(`.fwin a[href="#/flags/old-banner"]`)
	b.wait("the archived page", `!!document.querySelector('.archived-notice') && !!document.querySelector('.delete-flag')`)
	b.shot("flag-archived", false)
	b.click(".restore-flag")
	b.wait("the restored flag's page", `document.querySelector('h1')?.textContent === 'old-banner' && !!document.querySelector('.archive-flag')`)
	var restored struct {
		ArchivedAt *string `json:"archivedAt"`
	}
	s.Expect(http.StatusOK, "GET", "/flags/old-banner", nil).JSON(t, &restored)
	if restored.ArchivedAt != nil {
		t.Fatalf("restored flag still archived at %s", *restored.ArchivedAt)
	}
}
