package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
)

// TestStoreWait starts the server while its database is unreachable: it
// listens at once, answers /healthz 200 and /readyz 503 with the reason, and
// becomes ready without a restart once the database can be reached.
func TestStoreWait(t *testing.T) {
	dbURL, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on yet; later a proxy to PostgreSQL opens it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyAddr := ln.Addr().String()
	ln.Close()
	realAddr := dbURL.Host
	dbURL.Host = proxyAddr
	q := dbURL.Query()
	q.Set("connect_timeout", "1")
	dbURL.RawQuery = q.Encode()

	p := start(t, t.TempDir(), "--store", dbURL.String(), "--store-wait", "2m")

	status, body := get(t, p.base+"/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "store unreachable") && !strings.Contains(body, "connecting") {
		t.Fatalf("readyz while the store is unreachable: %d %s", status, body)
	}
	// The probe is public: the driver's text (the address, the user) stays in the log.
	if strings.Contains(body, proxyAddr) || strings.Contains(body, "dial") || strings.Contains(body, dbURL.User.Username()) {
		t.Fatalf("readyz shows the driver's text: %s", body)
	}
	if status, _ := get(t, p.base+"/healthz"); status != http.StatusOK {
		t.Fatalf("healthz while waiting: %d", status)
	}
	if status, body := get(t, p.base+"/flags"); status != http.StatusServiceUnavailable || !strings.Contains(body, `"error"`) {
		t.Fatalf("API while waiting: %d %s", status, body)
	}

	proxy, err := net.Listen("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	go forward(proxy, realAddr)

	// Readiness is what a load balancer polls; poll it the same way, bounded.
	deadline := time.Now().Add(time.Minute)
	for {
		status, body = get(t, p.base+"/readyz")
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready a minute after the store came back: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, body := p.post(t, "/flags", `{"name":"after-wait"}`); status != http.StatusCreated {
		t.Fatalf("create after the store came back: %d %s", status, body)
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	r := testenv.NewClient(t, "").Do("GET", u, nil)
	var v any
	if json.Unmarshal(r.Body, &v) != nil {
		t.Fatalf("GET %s: body is not JSON: %q", u, r.Body)
	}
	return r.Status, string(r.Body)
}

// forward copies connections accepted on ln to addr until ln closes.
func forward(ln net.Listener, addr string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			u, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer u.Close()
			go io.Copy(u, c)
			io.Copy(c, u)
		}()
	}
}
