package webhook_test

import (
	"net"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/webhook"
	"github.com/featureflags/featureflags/internal/webhook/webhooktest"
)

func TestCheckURL(t *testing.T) {
	for _, tt := range []struct {
		url          string
		allowPrivate bool
		refused      string // part of the message; "" for accepted
	}{
		{"https://93.184.216.34/hook", false, ""},
		{"http://127.0.0.1:8080/hook", true, ""},
		{"http://127.0.0.1:8080/hook", false, "private"},
		{"http://[::1]/hook", false, "private"},
		{"http://10.1.2.3/hook", false, "private"},
		{"http://192.168.0.10/hook", false, "private"},
		{"http://169.254.169.254/latest/meta-data", false, "private"},
		{"http://100.64.0.1/", false, "private"},
		{"http://localhost:9/hook", false, "private"},
		{"ftp://93.184.216.34/", false, "not an absolute http or https URL"},
		{"/relative", true, "not an absolute http or https URL"},
		{"https://user:pw@93.184.216.34/", true, "user name or password"},
	} {
		err := webhook.CheckURL(t.Context(), tt.url, tt.allowPrivate, net.DefaultResolver)
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("%s refused: %v", tt.url, err)
		case tt.refused != "" && (ff.ErrorField(err) != "url" || !strings.Contains(err.Error(), tt.refused)):
			t.Errorf("%s (allow private %v): %v, want a url error saying %q", tt.url, tt.allowPrivate, err, tt.refused)
		}
	}
}

// An endpoint that points to a private address by the time of delivery
// (a name rebound after registration, here stored without the check) is
// refused by the dialer, and the log says so.
func TestDialerRefusesPrivateAddresses(t *testing.T) {
	clock := &testenv.Clock{}
	rc := webhooktest.NewReceiver(t, clock)
	st, w := setup(t, rc.URL())
	webhooktest.Change(t, st, "a")
	wk := webhook.New(webhook.Config{Store: webhooktest.Outbox(st), Now: clock.Now, Client: webhook.NewClient(5e9, false)})
	webhooktest.RunOnce(t, wk)
	ds, err := st.ListWebhookDeliveries(t.Context(), w.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := ds[0]; d.State != ff.DeliveryPending || !strings.Contains(d.Error, "refused to connect to a loopback or private address") || len(rc.Events()) != 0 {
		t.Fatalf("delivery to a loopback address: %+v, received %d", d, len(rc.Events()))
	}
}
