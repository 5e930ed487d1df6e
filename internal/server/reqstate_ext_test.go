package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// Evaluation requests reuse the states of finished ones: under
// concurrent requests over a real listener, each answer still echoes its
// own X-Request-Id, and each request's log line carries its own id,
// route and status, exactly once.
func TestEvalStatesReusedKeepTheirRequests(t *testing.T) {
	ts := testenv.Start(t, testenv.WithConfig(func(c *server.Config) { c.EvalRate, c.EvalBurst, c.EvalLogEvery = 1e12, 1<<30, 1 }))
	const workers, each = 8, 150
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("reuse-%d-%d", g, i)
				path := "/ofrep/v1/evaluate/flags/missing" // 404, as evaluation answers it
				if i%2 == 0 {
					path = "/ofrep/v1/evaluate/flags"
				}
				req, _ := http.NewRequest("POST", ts.URL()+path, strings.NewReader(`{"context":{"targetingKey":"user-1","country":"NZ"}}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Request-Id", id)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if got := res.Header.Get("X-Request-Id"); got != id {
					errs <- fmt.Errorf("request %s answered with X-Request-Id %q", id, got)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for line := range strings.Lines(ts.Logs.String()) {
		var e struct {
			Msg, Route string
			ID         string `json:"request_id"`
			Status     int
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Msg != "request" {
			continue
		}
		g, i := 0, 0
		if _, err := fmt.Sscanf(e.ID, "reuse-%d-%d", &g, &i); err != nil {
			t.Fatalf("log line of an unknown request: %s", line)
		}
		route, status := "/ofrep/v1/evaluate/flags/{key}", http.StatusNotFound
		if i%2 == 0 {
			route, status = "/ofrep/v1/evaluate/flags", http.StatusOK
		}
		if e.Route != route || e.Status != status {
			t.Fatalf("request %s logged as %s %d: %s", e.ID, e.Route, e.Status, line)
		}
		seen[e.ID]++
	}
	if len(seen) != workers*each {
		t.Fatalf("%d requests logged, want %d", len(seen), workers*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("request %s logged %d times", id, n)
		}
	}
}
