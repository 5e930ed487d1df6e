package stream

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/featureflags/featureflags/wire"
)

func TestConfigHandlerETag(t *testing.T) {
	h, src := NewHub(HubOptions{}), newSource()
	src.flags["a"] = testFlag("a", true)
	srv := server(t, h, src, Options{})
	get := func(inm string) (*http.Response, wire.Config) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+wire.ConfigPath, nil)
		req.Header.Set(wire.HeaderEnvironment, staging)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var cfg wire.Config
		if resp.StatusCode == http.StatusOK {
			cfg = decodeBody[wire.Config](t, resp)
		}
		return resp, cfg
	}
	resp, cfg := get("")
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"1"` || cfg.Environment != staging || cfg.Flags[0].Targeting[prod] != nil {
		t.Fatalf("GET: %d %q %+v", resp.StatusCode, resp.Header.Get("ETag"), cfg)
	}
	if resp, _ = get(`"1"`); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match current: %d", resp.StatusCode)
	}
	src.commit(h, "", testFlag("b", true))
	if resp, cfg = get(`"0", W/"1"`); resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` || len(cfg.Flags) != 2 {
		t.Fatalf("after a change: %d %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func decodeBody[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return decode[T](t, string(b))
}

func TestOFREPStream(t *testing.T) {
	h, src := NewHub(HubOptions{}), newSource()
	srv := server(t, h, src, Options{})
	s := connect(t, srv.URL+wire.OFREPEventsPath, prod)
	at := time.Now()
	src.commit(h, "", testFlag("a", true)) // 2
	ev := s.next(t)
	data := decode[wire.OFREPEvent](t, ev.data)
	if ev.event != "message" || ev.id != "2" || data.Type != "refetchEvaluation" || data.ETag != `"2"` || data.LastModified < at.Unix()-1 {
		t.Fatalf("event %+v data %+v", ev, data)
	}
	s.resp.Body.Close()

	// Reconnecting after missing changes asks for one re-fetch at once.
	src.commit(h, "", testFlag("b", true)) // 3
	src.commit(h, "", testFlag("c", true)) // 4
	s = connect(t, srv.URL+wire.OFREPEventsPath, prod, wire.HeaderLastEventID, "2")
	if ev = s.next(t); ev.id != "4" {
		t.Fatalf("after reconnecting: %+v", ev)
	}
	s.resp.Body.Close()
	// Up to date: nothing until the next change.
	s = connect(t, srv.URL+wire.OFREPEventsPath, prod, wire.HeaderLastEventID, "4")
	rev := src.commit(h, "", testFlag("d", true))
	if ev = s.next(t); ev.id != strconv.FormatInt(rev, 10) {
		t.Fatalf("up to date, then %+v", ev)
	}
	s.resp.Body.Close()
	// Not in the history (a new hub, say): compared with the revision.
	h2 := NewHub(HubOptions{})
	srv2 := server(t, h2, src, Options{})
	s = connect(t, srv2.URL+wire.OFREPEventsPath, prod, wire.HeaderLastEventID, "2")
	if ev = s.next(t); ev.id != strconv.FormatInt(rev, 10) {
		t.Fatalf("new hub: %+v", ev)
	}
}
