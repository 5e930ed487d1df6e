package service_test

import (
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/sqlite"
)

// TestImportWebhookLimit: an import that would take the webhooks over
// --webhooks-max-endpoints is refused, naming the limit, before anything of
// it is written; within the limit its new webhooks come disabled.
func TestImportWebhookLimit(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := service.New(st, service.WithWebhooks(service.WebhookSettings{MaxEndpoints: 2}))
	hook := func(id string) *ff.Webhook {
		return &ff.Webhook{ID: id, URL: "https://93.184.216.34/" + id, Events: []string{}, Flags: []string{}, Environments: []string{},
			Version: 1, CreatedAt: t0, UpdatedAt: t0}
	}
	d := &ff.Dataset{Environments: []*ff.Environment{{Name: "production", CreatedAt: t0}},
		Flags:    []*ff.Flag{flagUsing("f1", "checkout", "")},
		Webhooks: []*ff.Webhook{hook("w1"), hook("w2"), hook("w3")}}
	err = s.Import(t.Context(), d)
	if ff.ErrorCode(err) != ff.ECONFLICT || ff.ErrorLimit(err) != "webhooks-max-endpoints" {
		t.Fatalf("over the limit: %v", err)
	}
	if got, _ := s.Export(t.Context()); len(got.Flags) != 0 || len(got.Webhooks) != 0 {
		t.Fatalf("a refused import wrote %d flags, %d webhooks", len(got.Flags), len(got.Webhooks))
	}
	d.Webhooks = d.Webhooks[:2]
	if err := s.Import(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	ws, err := s.ListWebhooks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || !ws[0].Disabled || ws[0].Secret == "" {
		t.Fatalf("imported webhooks %+v", ws)
	}
}
