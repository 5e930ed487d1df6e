package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
)

// testWebhookLimitAcrossReplicas: two replicas registering endpoints at
// once never take the store over the limit, and a deletion on one frees a
// place for the other.
func testWebhookLimitAcrossReplicas(t *testing.T, a, b *service.Service) {
	const max, tries = 5, 8
	stores := []ff.Store{a.Store(), b.Store()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	made, refused := 0, 0
	for i := range 2 * tries {
		wg.Go(func() {
			w := &ff.Webhook{ID: ff.NewID(), URL: fmt.Sprintf("https://93.184.216.34/%d", i), Events: []string{}, Flags: []string{},
				Environments: []string{}, Secret: "whsec_0123456789abcdef0123456789", Version: 1, CreatedAt: now, UpdatedAt: now}
			err := stores[i%2].CreateWebhook(ctx(t), w, max)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				made++
			case ff.ErrorLimit(err) == "webhooks-max-endpoints":
				refused++
			default:
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	list, err := b.Store().ListWebhooks(ctx(t))
	must(t, err)
	if made != max || refused != 2*tries-max || len(list) != max {
		t.Fatalf("%d made, %d refused, %d stored; want %d made", made, refused, len(list), max)
	}
	must(t, b.Store().DeleteWebhook(ctx(t), list[0].ID))
	w := &ff.Webhook{ID: ff.NewID(), URL: "https://93.184.216.34/again", Events: []string{}, Flags: []string{}, Environments: []string{},
		Secret: "whsec_0123456789abcdef0123456789", Version: 1, CreatedAt: now.Add(time.Second), UpdatedAt: now}
	must(t, a.Store().CreateWebhook(ctx(t), w, max))
	mustCode(t, a.Store().CreateWebhook(ctx(t), &ff.Webhook{ID: ff.NewID(), URL: w.URL, Secret: w.Secret, Version: 1, CreatedAt: now, UpdatedAt: now}, max), ff.ECONFLICT)
}
