package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/webhook"
)

// serve delivers changes to a registered endpoint: the worker runs in the
// server, woken by the change, and signs with the secret shown at creation.
func TestServeDeliversWebhooks(t *testing.T) {
	got := make(chan string, 10)
	secret := make(chan string, 1)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := <-secret
		secret <- s
		if err := webhook.Verify(s, r.Header.Get(webhook.SignatureHeader), body, time.Now(), webhook.ReplayWindow); err != nil {
			t.Errorf("signature: %v", err)
		}
		got <- r.Header.Get("X-Featureflags-Event")
	}))
	defer rcv.Close()
	p := startMain(t, nil, "--webhooks-allow-private", "--webhooks-poll-interval", "1h")
	status, body := p.post(t, "/webhooks", fmt.Sprintf(`{"url":%q,"events":["flag.*"]}`, rcv.URL))
	var created struct{ Secret string }
	if err := json.Unmarshal(body, &created); status != 201 || err != nil {
		t.Fatalf("create webhook: %d %s", status, body)
	}
	secret <- created.Secret
	if status, body := p.post(t, "/flags", `{"name":"hooked"}`); status != 201 {
		t.Fatalf("create flag: %d %s", status, body)
	}
	select {
	case ev := <-got:
		if ev != "flag.create" {
			t.Fatalf("received %q", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery within 30 s (the poll interval is an hour: the change must wake the worker)")
	}
}
