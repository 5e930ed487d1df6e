package server_test

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/sqlite"
)

// FuzzDecodeWebhook sends endpoint bodies to POST /webhooks and PATCH
// /webhooks/{id}. Private addresses are allowed, so that no URL makes the
// fuzzer wait for DNS.
func FuzzDecodeWebhook(f *testing.F) {
	f.Add(`{"url":"https://93.184.216.34/hook","events":["flag.*"],"flags":["f"],"environments":["production"],"secret":"0123456789abcdef"}`)
	f.Add(`{"disabled":true,"events":["[x"]}`)
	store, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "flags.db"), sqlite.Unsynced())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	svc := service.New(store, service.WithWebhooks(service.WebhookSettings{AllowPrivate: true, MaxEndpoints: 50}))
	if err := svc.Init(f.Context()); err != nil {
		f.Fatal(err)
	}
	_, secret, err := svc.CreateToken(f.Context(), service.TokenInput{Name: "fuzz", Role: ff.RoleAdmin})
	if err != nil {
		f.Fatal(err)
	}
	hook, _, err := svc.CreateWebhook(f.Context(), service.WebhookInput{URL: ptr("https://93.184.216.34/fixed")})
	if err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{
		h:      server.New(server.Config{Service: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: 64 << 10}),
		bearer: "Bearer " + secret,
	}
	f.Fuzz(func(t *testing.T, body string) {
		ft.do(t, "POST", "/webhooks", body, false)
		ft.do(t, "PATCH", "/webhooks/"+hook.ID, body, false)
	})
}

func ptr[T any](v T) *T { return &v }
