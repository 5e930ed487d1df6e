package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	ff "github.com/featureflags/featureflags"
)

// attempt sends j once and returns its delivery with the outcome: the
// state, the attempt's time, status, latency, excerpt and error, and when
// a failure is tried next (or that retries ran out).
func (w *Worker) attempt(ctx context.Context, j *ff.WebhookJob) *ff.WebhookDelivery {
	d := *j.Delivery
	at := w.cfg.Now()
	d.Attempts++
	d.LastAttemptAt = &at
	start := time.Now()
	status, excerpt, err := w.post(ctx, j, at)
	d.LatencyMillis = time.Since(start).Milliseconds()
	d.ResponseStatus, d.ResponseExcerpt, d.Error = status, excerpt, ""
	switch {
	case err != nil:
		d.Error = err.Error()
	case status < 200 || status > 299:
		d.Error = fmt.Sprintf("the endpoint answered %d", status)
	default:
		d.State = ff.DeliveryDelivered
		return &d
	}
	next := at.Add(w.backoff(d.Attempts))
	if next.Sub(d.CreatedAt) > w.cfg.RetryFor {
		d.State = ff.DeliveryFailed
		d.Error += fmt.Sprintf("; retries ran out after %d attempt%s", d.Attempts, map[bool]string{true: "s"}[d.Attempts > 1])
		return &d
	}
	d.NextAttemptAt = next
	return &d
}

// backoff is the wait after the attempts-th failed attempt: FirstRetry,
// doubled each time, at most MaxBackoff.
func (w *Worker) backoff(attempts int) time.Duration {
	b := w.cfg.FirstRetry
	for i := 1; i < attempts && b < w.cfg.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, w.cfg.MaxBackoff)
}

// post sends j's payload, signed at at, and returns the answer's status
// and the excerpt of its body.
func (w *Worker) post(ctx context.Context, j *ff.WebhookJob, at time.Time) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(j.Delivery.Payload))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "featureflags-webhooks")
	req.Header.Set(SignatureHeader, Sign(j.Secret, at, j.Delivery.Payload))
	req.Header.Set("X-Featureflags-Event", j.Delivery.Action)
	req.Header.Set("X-Featureflags-Delivery", j.Delivery.ID)
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, w.cfg.MaxResponseBytes))
	if err != nil {
		return resp.StatusCode, "", err
	}
	return resp.StatusCode, excerpt(body), nil
}

// excerpt is the first ExcerptBytes of body, cut at a character boundary,
// with invalid UTF-8 replaced.
func excerpt(body []byte) string {
	if len(body) > ExcerptBytes {
		body = body[:ExcerptBytes]
		for len(body) > 0 && !utf8.Valid(body) && len(body) > ExcerptBytes-utf8.UTFMax {
			body = body[:len(body)-1]
		}
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}
