package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
)

// openStoreWaiting opens the store like openStore, but while the store
// cannot be reached it retries with exponential back-off and jitter until
// wait has passed. report is told each failure, for /readyz.
func openStoreWaiting(ctx context.Context, url string, wait time.Duration, log *slog.Logger, report func(error)) (ff.Store, error) {
	deadline := time.Now().Add(wait)
	delay := 100 * time.Millisecond
	for {
		s, err := openStore(ctx, url)
		if err == nil || ff.ErrorCode(err) != ff.EUNAVAILABLE || time.Now().After(deadline) {
			return s, err
		}
		report(err)
		log.Warn("store not reachable yet; retrying", "store", redact(url), "error", err.Error(), "retry_in", delay.String())
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("--store %s: gave up: %w", redact(url), ctx.Err())
		case <-timer.C:
		}
		// Double the delay up to 10 s, with ±20 % jitter so replicas
		// waiting for the same database don't retry in step.
		delay = min(2*delay, 10*time.Second)
		delay = time.Duration(float64(delay) * (0.8 + 0.4*rand.Float64()))
	}
}

// handlerSwitch serves the starting handler until the real one is set.
type handlerSwitch struct {
	real    atomic.Pointer[http.Handler]
	lastErr atomic.Pointer[string]
}

func (h *handlerSwitch) set(real http.Handler) { h.real.Store(&real) }

func (h *handlerSwitch) report(err error) {
	msg := err.Error()
	h.lastErr.Store(&msg)
}

// ServeHTTP answers, while the store is not connected yet: /healthz 200,
// everything else 503 with the reason as JSON.
func (h *handlerSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if real := h.real.Load(); real != nil {
		(*real).ServeHTTP(w, r)
		return
	}
	reason := "connecting to the store"
	if e := h.lastErr.Load(); e != nil {
		reason = "the store cannot be reached yet: " + *e
	}
	status, body := http.StatusServiceUnavailable, map[string]string{"status": "starting", "error": reason}
	if r.URL.Path == "/healthz" {
		status, body = http.StatusOK, map[string]string{"status": "ok"}
	} else if r.URL.Path != "/readyz" {
		body = map[string]string{"error": "the service is starting: " + reason + "; retry shortly"}
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
