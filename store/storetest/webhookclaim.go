package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// claimIDs claims as owner at at and returns the claimed deliveries' ids.
func claimIDs(t *testing.T, s ff.WebhookOutbox, owner string, at time.Time) []string {
	t.Helper()
	jobs, err := s.ClaimWebhookDeliveries(ctx(t), owner, at, time.Minute, 10)
	must(t, err)
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.Delivery.ID)
	}
	return ids
}

// Claims go in order per endpoint and target, one at a time; a lease keeps
// others off until it runs out; only the lease's holder may finish.
func testWebhookClaims(t *testing.T, s ff.Store) {
	addEnvs(t, s, "production")
	w := newWebhook("https://claims.example/")
	must(t, s.CreateWebhook(ctx(t), w, 0))
	a, b := newFlag("a"), newFlag("b")
	flagEvent(t, s, a, "flag.create", "")
	flagEvent(t, s, b, "flag.create", "")
	flagEvent(t, s, a, "flag.toggle", "production")
	_, err := s.DispatchWebhooks(ctx(t), now, 0, 100)
	must(t, err)
	ds, err := s.ListWebhookDeliveries(ctx(t), w.ID, 10)
	must(t, err)
	aCreate, bCreate, aToggle := ds[2].ID, ds[1].ID, ds[0].ID

	jobs, err := s.ClaimWebhookDeliveries(ctx(t), "r1", now, time.Minute, 10)
	must(t, err)
	if len(jobs) != 2 || jobs[0].Delivery.ID != aCreate || jobs[1].Delivery.ID != bCreate ||
		jobs[0].URL != w.URL || jobs[0].Secret != w.Secret {
		t.Fatalf("first claim: %s", dump(jobs))
	}
	if ids := claimIDs(t, s, "r2", now.Add(59*time.Second)); len(ids) != 0 {
		t.Fatalf("claimed %v while leased or behind a pending delivery of the same flag", ids)
	}
	if ids := claimIDs(t, s, "r2", now.Add(time.Minute)); !slices.Equal(ids, []string{aCreate, bCreate}) {
		t.Fatalf("claim after the lease ran out: %v", ids)
	}
	done := *jobs[0].Delivery
	attempt := now.Add(time.Minute)
	done.State, done.Attempts, done.LastAttemptAt, done.ResponseStatus, done.LatencyMillis, done.ResponseExcerpt =
		ff.DeliveryDelivered, 1, &attempt, 204, 12, "ok"
	if err := s.FinishWebhookDelivery(ctx(t), "r1", &done); ff.ErrorCode(err) != ff.EPRECONDITION {
		t.Fatalf("finish by a replica that lost the lease: %v", err)
	}
	must(t, s.FinishWebhookDelivery(ctx(t), "r2", &done))
	if ids := claimIDs(t, s, "r3", now.Add(time.Minute)); !slices.Equal(ids, []string{aToggle}) {
		t.Fatalf("claim after a's first delivery: %v", ids)
	}
	ds, err = s.ListWebhookDeliveries(ctx(t), w.ID, 10)
	must(t, err)
	if got := ds[2]; got.State != ff.DeliveryDelivered || got.ResponseStatus != 204 || got.LatencyMillis != 12 ||
		got.ResponseExcerpt != "ok" || got.Attempts != 1 || !got.LastAttemptAt.Equal(attempt) {
		t.Fatalf("finished delivery: %s", dump(got))
	}
	n, err := s.PruneWebhookDeliveries(ctx(t), now.Add(time.Second))
	must(t, err)
	if n != 1 {
		t.Fatalf("pruned %d finished deliveries, want 1", n)
	}
}

// Workers claiming at once each get distinct deliveries: none twice. (One
// handle: on PostgreSQL a pool of connections; testWebhookOrderAcrossReplicas
// races two handles.)
func testWebhookConcurrentClaims(t *testing.T, s ff.Store) {
	addEnvs(t, s, "production")
	w := newWebhook("https://race.example/")
	must(t, s.CreateWebhook(ctx(t), w, 0))
	const flags = 20
	for i := range flags {
		flagEvent(t, s, newFlag(string(rune('a'+i))), "flag.create", "")
	}
	_, err := s.DispatchWebhooks(ctx(t), now, 0, 100)
	must(t, err)
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for i := range 4 {
		owner := string(rune('p' + i))
		wg.Go(func() {
			for {
				jobs, err := s.ClaimWebhookDeliveries(ctx(t), owner, now, time.Minute, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					if prev, dup := seen[j.Delivery.ID]; dup {
						t.Errorf("%s claimed by %s and %s", j.Delivery.ID, prev, owner)
					}
					seen[j.Delivery.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != flags {
		t.Fatalf("claimed %d deliveries, want %d", len(seen), flags)
	}
}
