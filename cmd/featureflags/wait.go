package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

// untilStopped, as a wait, retries until the context ends.
const untilStopped time.Duration = -1

// retryUnavailable runs attempt until it succeeds or fails with an error
// other than EUNAVAILABLE, or until wait has passed (untilStopped: until ctx
// ends), with exponential back-off and jitter in between. failed is told of
// each failure that will be retried, and how soon. It is the one retry loop
// of opening the store: at start with --store-wait, and in the background
// while serving evaluations from the snapshot file.
func retryUnavailable(ctx context.Context, wait time.Duration, attempt func() error, failed func(err error, retryIn time.Duration)) error {
	deadline := time.Now().Add(wait)
	delay := 100 * time.Millisecond
	for {
		err := attempt()
		if err == nil || ff.ErrorCode(err) != ff.EUNAVAILABLE || (wait != untilStopped && time.Now().After(deadline)) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("gave up: %w", ctx.Err())
		}
		failed(err, delay)
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("gave up: %w", ctx.Err())
		case <-timer.C:
		}
		// Double the delay up to 10 s, with ±20 % jitter so replicas
		// waiting for the same database don't retry in step.
		delay = min(2*delay, 10*time.Second)
		delay = time.Duration(float64(delay) * (0.8 + 0.4*rand.Float64()))
	}
}

// openStoreWaiting opens the store like openStore and hands it to use
// (which owns it from then on, closing it should it fail), retrying both
// with retryUnavailable while the store cannot be reached.
func openStoreWaiting(ctx context.Context, url string, wait time.Duration, use func(ff.Store) error, failed func(err error, retryIn time.Duration)) error {
	err := retryUnavailable(ctx, wait, func() error {
		s, err := openStore(ctx, url)
		if err != nil {
			return err
		}
		return use(s)
	}, failed)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("--store %s: %w", redact(url), err)
	}
	return err
}

// handlerSwitch serves the starting handler until the real one is set.
type handlerSwitch struct {
	real   atomic.Pointer[http.Handler]
	failed atomic.Bool // the store could not be reached at least once
}

func (h *handlerSwitch) set(real http.Handler) { h.real.Store(&real) }

// report notes that the store could not be reached; the caller logs why.
// The public answers never show it: driver text names hosts and users.
func (h *handlerSwitch) report(error) { h.failed.Store(true) }

// ServeHTTP answers, while the store is not connected yet: /healthz 200,
// everything else 503 with the reason as JSON.
func (h *handlerSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if real := h.real.Load(); real != nil {
		(*real).ServeHTTP(w, r)
		return
	}
	reason := "connecting to the store"
	if h.failed.Load() {
		reason = "store unreachable: the server is waiting for it; the server log has the details"
	}
	switch r.URL.Path {
	case "/healthz":
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case "/readyz":
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting", "error": reason})
	default:
		w.Header().Set("Retry-After", "1")
		httpx.WriteJSON(w, http.StatusServiceUnavailable, httpx.ErrorBody{Error: "the service is starting (" + reason + "); retry shortly"})
	}
}
