package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func newWebhook(url string) *ff.Webhook {
	return &ff.Webhook{ID: ff.NewID(), URL: url, Events: []string{}, Flags: []string{}, Environments: []string{},
		Secret: "s3cret-" + url, Version: 1, CreatedAt: now, UpdatedAt: now}
}

// flagEvent writes a flag change with its audit event and returns the event.
func flagEvent(t *testing.T, s ff.Store, f *ff.Flag, action, env string) *ff.AuditEvent {
	t.Helper()
	ev := &ff.AuditEvent{Time: now, Actor: ff.Actor{Type: "local"}, Action: action,
		TargetType: "flag", TargetID: f.ID, TargetName: f.Name, Environment: env}
	c := ff.WithAudit(ctx(t), ev)
	if action == "flag.create" {
		must(t, s.CreateFlag(c, f))
	} else {
		_, err := s.ToggleFlag(c, f.ID, env, ff.AnyVersion, now)
		must(t, err)
	}
	return ev
}

// Endpoints: create (within the limit), find, update at a version, delete,
// each audited; the secret is kept.
func testWebhooks(t *testing.T, s ff.Store) {
	w := newWebhook("https://a.example/hook")
	w.Events, w.Flags, w.Environments = []string{"flag.*"}, []string{"checkout"}, []string{"production"}
	ev := &ff.AuditEvent{Time: now, Action: "webhook.create", TargetType: "webhook", TargetID: w.ID, TargetName: w.URL}
	must(t, s.CreateWebhook(ff.WithAudit(ctx(t), ev), w, 2))
	got, err := s.FindWebhook(ctx(t), w.ID)
	must(t, err)
	if dump(got) != dump(w) || got.Secret != w.Secret {
		t.Fatalf("FindWebhook = %s, want %s", dump(got), dump(w))
	}
	if events, _, _ := s.ListAudit(ctx(t), ff.AuditFilter{TargetID: w.ID}); len(events) != 1 {
		t.Fatalf("creating a webhook wrote %d audit events, want 1", len(events))
	}
	must(t, s.CreateWebhook(ctx(t), newWebhook("https://b.example/"), 2))
	err = s.CreateWebhook(ctx(t), newWebhook("https://c.example/"), 2)
	if ff.ErrorCode(err) != ff.ECONFLICT || ff.ErrorLimit(err) != "webhooks-max-endpoints" {
		t.Fatalf("third webhook with a limit of 2: %v (limit %q)", err, ff.ErrorLimit(err))
	}
	next := *w
	next.URL, next.Disabled, next.Version, next.Secret = "https://a.example/v2", true, 2, "rotated"
	must(t, s.UpdateWebhook(ctx(t), &next, 1))
	if err := s.UpdateWebhook(ctx(t), &next, 1); ff.ErrorCode(err) != ff.EPRECONDITION {
		t.Fatalf("update at a stale version: %v", err)
	}
	got, err = s.FindWebhook(ctx(t), w.ID)
	must(t, err)
	if got.URL != next.URL || !got.Disabled || got.Secret != "rotated" || got.Version != 2 {
		t.Fatalf("after update: %s", dump(got))
	}
	must(t, s.DeleteWebhook(ctx(t), w.ID))
	if _, err := s.FindWebhook(ctx(t), w.ID); ff.ErrorCode(err) != ff.ENOTFOUND {
		t.Fatalf("find deleted: %v", err)
	}
	if err := s.DeleteWebhook(ctx(t), w.ID); ff.ErrorCode(err) != ff.ENOTFOUND {
		t.Fatalf("delete twice: %v", err)
	}
	hooks, err := s.ListWebhooks(ctx(t))
	must(t, err)
	if len(hooks) != 1 || hooks[0].URL != "https://b.example/" {
		t.Fatalf("ListWebhooks = %s", dump(hooks))
	}
}

// Every audited change made while an endpoint exists goes into the outbox;
// dispatching turns each into a delivery per matching endpoint, once, in
// the store's order, and audit retention does not touch the outbox.
func testWebhookOutbox(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	f := newFlag("before-any-hook")
	flagEvent(t, s, f, "flag.create", "") // no endpoint yet: no event
	all, only := newWebhook("https://all.example/"), newWebhook("https://checkout.example/")
	only.Flags, only.Events = []string{"checkout"}, []string{"flag.toggle"}
	must(t, s.CreateWebhook(ctx(t), all, 0))
	must(t, s.CreateWebhook(ctx(t), only, 0))
	g := newFlag("checkout")
	create := flagEvent(t, s, g, "flag.create", "")
	toggle := flagEvent(t, s, g, "flag.toggle", "production")
	if _, err := s.(ff.AuditPruner).PruneAudit(ctx(t), now.Add(time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	n, err := s.DispatchWebhooks(ctx(t), now, 0, 1)
	must(t, err)
	m, err := s.DispatchWebhooks(ctx(t), now, 0, 100)
	must(t, err)
	if n != 1 || m != 1 {
		t.Fatalf("dispatched %d then %d events, want 1 and 1", n, m)
	}
	if n, _ := s.DispatchWebhooks(ctx(t), now, 0, 100); n != 0 {
		t.Fatalf("dispatched %d events twice", n)
	}
	ds, err := s.ListWebhookDeliveries(ctx(t), all.ID, 10)
	must(t, err)
	if len(ds) != 2 || ds[0].EventID != toggle.ID || ds[1].EventID != create.ID || ds[0].Seq <= ds[1].Seq {
		t.Fatalf("deliveries to the catch-all endpoint: %s", dump(ds))
	}
	var payload ff.AuditEvent
	must(t, json.Unmarshal(ds[0].Payload, &payload))
	if payload.ID != toggle.ID || payload.Action != "flag.toggle" || string(payload.After) != `{"environments":{"production":true}}` {
		t.Fatalf("payload %s", ds[0].Payload)
	}
	ds, err = s.ListWebhookDeliveries(ctx(t), only.ID, 10)
	must(t, err)
	if len(ds) != 1 || ds[0].EventID != toggle.ID || ds[0].State != ff.DeliveryPending {
		t.Fatalf("deliveries to the filtered endpoint: %s", dump(ds))
	}
}

// A full queue makes dropped deliveries; a redelivery is refused while it
// stays full.
func testWebhookQueueLimit(t *testing.T, s ff.Store) {
	addEnvs(t, s, "production")
	w := newWebhook("https://q.example/")
	must(t, s.CreateWebhook(ctx(t), w, 0))
	for i := range 3 {
		flagEvent(t, s, newFlag(fmt.Sprint("f", i)), "flag.create", "")
	}
	_, err := s.DispatchWebhooks(ctx(t), now, 2, 100)
	must(t, err)
	ds, err := s.ListWebhookDeliveries(ctx(t), w.ID, 10)
	must(t, err)
	states := fmt.Sprint(ds[0].State, ds[1].State, ds[2].State)
	if states != "droppedpendingpending" || ds[0].Error == "" {
		t.Fatalf("states newest first %s, error %q", states, ds[0].Error)
	}
	_, err = s.RedeliverWebhook(ctx(t), w.ID, ds[0].ID, now, 2)
	if ff.ErrorCode(err) != ff.ECONFLICT || ff.ErrorLimit(err) != "webhooks-max-queued" {
		t.Fatalf("redelivery to a full queue: %v", err)
	}
	if _, err := s.RedeliverWebhook(ctx(t), w.ID, "nope", now, 0); ff.ErrorCode(err) != ff.ENOTFOUND {
		t.Fatalf("redelivery of an unknown delivery: %v", err)
	}
	d, err := s.RedeliverWebhook(ctx(t), w.ID, ds[0].ID, now.Add(time.Second), 3)
	must(t, err)
	if d.RedeliveryOf != ds[0].ID || d.State != ff.DeliveryPending || d.Seq != ds[0].Seq || string(d.Payload) != string(ds[0].Payload) {
		t.Fatalf("redelivery %s of %s", dump(d), dump(ds[0]))
	}
}
