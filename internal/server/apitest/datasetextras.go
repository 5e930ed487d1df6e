package apitest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// testExportExtras checks that a pending schedule, an open change request
// and a webhook go through GET /export and POST /import into a fresh
// store: the schedule and the request as they were, the webhook without
// its secret, disabled with a new one; importing again changes nothing;
// a request that is not open, or a schedule of an unknown flag, is refused
// naming it, and nothing is imported.
func testExportExtras(t *testing.T, open Opener) {
	c := newServer(t, open)
	rampFlag(c, "launch")
	sc := c.schedule("launch", rampBody(time.Now(), 25, 50))
	c.Expect(http.StatusCreated, "POST", "/change-requests", map[string]any{"flag": "launch", "change": map[string]any{"description": "later"}, "comment": "look"})
	hook := c.newWebhook(map[string]any{"url": "https://93.184.216.34/hook", "events": []string{"flag.*"}})
	var d ff.Dataset
	exported := c.Expect(http.StatusOK, "GET", "/export", nil)
	exported.JSON(t, &d)
	if len(d.Schedules) != 1 || len(d.ChangeRequests) != 1 || len(d.Webhooks) != 1 {
		t.Fatalf("exported %d schedules, %d requests, %d webhooks", len(d.Schedules), len(d.ChangeRequests), len(d.Webhooks))
	}
	if strings.Contains(string(exported.Body), hook.Secret) {
		t.Fatal("the export holds a webhook's secret")
	}

	fresh := newServer(t, open)
	var counts map[string]int
	fresh.Expect(http.StatusOK, "POST", "/import", d).JSON(t, &counts)
	if counts["schedules"] != 1 || counts["changeRequests"] != 1 || counts["webhooks"] != 1 {
		t.Fatalf("import answered %v", counts)
	}
	fresh.Expect(http.StatusOK, "POST", "/import", d) // again: nothing changes
	var again ff.Dataset
	fresh.Expect(http.StatusOK, "GET", "/export", nil).JSON(t, &again)
	for _, part := range []struct {
		name      string
		got, want any
	}{{"schedules", again.Schedules, d.Schedules}, {"change requests", again.ChangeRequests, d.ChangeRequests}} {
		a, _ := json.Marshal(part.got)
		b, _ := json.Marshal(part.want)
		if string(a) != string(b) {
			t.Fatalf("%s differ after export and import:\n%s\nwant\n%s", part.name, a, b)
		}
	}
	w := again.Webhooks
	if len(w) != 1 || w[0].ID != hook.ID || w[0].URL != hook.URL || w[0].Events[0] != "flag.*" || !w[0].Disabled || w[0].Version != 1 {
		t.Fatalf("imported webhooks %+v, exported as %+v", *w[0], *d.Webhooks[0])
	}
	if l := fresh.schedules("/flags/launch/schedules?pending=true"); len(l) != 1 || l[0].ID != sc.ID || l[0].Steps[0].Status != ff.StepPending {
		t.Fatalf("imported schedules %+v", l)
	}

	// Refused, naming what is wrong, and nothing imported.
	bad := newServer(t, open)
	closed := d
	closed.ChangeRequests = []*ff.ChangeRequest{d.ChangeRequests[0].Clone()}
	closed.ChangeRequests[0].Status = ff.RequestApplied
	bad.expectError(http.StatusBadRequest, "changeRequests[0].status", "POST", "/import", closed)
	orphan := d
	orphan.Flags = nil
	bad.expectError(http.StatusBadRequest, "schedules[0].flagId", "POST", "/import", orphan)
	var empty ff.Dataset
	bad.Expect(http.StatusOK, "GET", "/export", nil).JSON(t, &empty)
	if len(empty.Flags)+len(empty.Schedules)+len(empty.ChangeRequests)+len(empty.Webhooks) != 0 {
		t.Fatalf("a refused import left %+v", empty)
	}
}
