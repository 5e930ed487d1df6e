package codec

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// WebhookColumnList is the column list ScanWebhook reads and WebhookArgs
// fills, in their order; events, flags and environments are JSON arrays.
const WebhookColumnList = `id, url, events, flags, environments, disabled, secret, version, created_at, updated_at`

// WebhookArgs returns w's column values in the order of WebhookColumnList.
func WebhookArgs(w *ff.Webhook) []any {
	return []any{w.ID, w.URL, JSONList(w.Events), JSONList(w.Flags), JSONList(w.Environments),
		w.Disabled, w.Secret, w.Version, Millis(w.CreatedAt), Millis(w.UpdatedAt)}
}

// JSONList is the stored form of a list of strings: a JSON array.
func JSONList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // strings always marshal
	return string(b)
}

// ScanWebhook reads an endpoint from a row of WebhookColumnList.
func ScanWebhook(row Row) (*ff.Webhook, error) {
	var w ff.Webhook
	var events, flags, envs string
	var created, updated int64
	err := row.Scan(&w.ID, &w.URL, &events, &flags, &envs, &w.Disabled, &w.Secret, &w.Version, &created, &updated)
	if err != nil {
		return nil, err
	}
	w.CreatedAt, w.UpdatedAt = Time(created), Time(updated)
	for _, l := range []struct {
		s string
		v *[]string
	}{{events, &w.Events}, {flags, &w.Flags}, {envs, &w.Environments}} {
		if err := json.Unmarshal([]byte(l.s), l.v); err != nil {
			return nil, err
		}
	}
	return &w, nil
}

// DeliveryColumnList is the column list ScanDelivery reads and
// DeliveryArgs fills, in their order.
const DeliveryColumnList = `id, webhook_id, seq, event_id, action, target_type, target_id, target_name, payload,
	state, attempts, next_attempt_at, created_at, last_attempt_at, response_status, latency_ms,
	response_excerpt, error, redelivery_of`

// DeliveryArgs returns d's column values in the order of DeliveryColumnList.
func DeliveryArgs(d *ff.WebhookDelivery) []any {
	return []any{d.ID, d.WebhookID, d.Seq, d.EventID, d.Action, d.TargetType, d.TargetID, d.TargetName,
		string(d.Payload), d.State, d.Attempts, Millis(d.NextAttemptAt), Millis(d.CreatedAt),
		OptMillis(d.LastAttemptAt), d.ResponseStatus, d.LatencyMillis, d.ResponseExcerpt, d.Error, d.RedeliveryOf}
}

// ScanDelivery reads a delivery from a row of DeliveryColumnList.
func ScanDelivery(row Row) (*ff.WebhookDelivery, error) {
	var d ff.WebhookDelivery
	var payload string
	var next, created int64
	var last *int64
	err := row.Scan(&d.ID, &d.WebhookID, &d.Seq, &d.EventID, &d.Action, &d.TargetType, &d.TargetID, &d.TargetName,
		&payload, &d.State, &d.Attempts, &next, &created, &last, &d.ResponseStatus, &d.LatencyMillis,
		&d.ResponseExcerpt, &d.Error, &d.RedeliveryOf)
	if err != nil {
		return nil, err
	}
	d.Payload = json.RawMessage(payload)
	d.NextAttemptAt, d.CreatedAt, d.LastAttemptAt = Time(next), Time(created), OptTime(last)
	return &d, nil
}

// DispatchAll dispatches events, the outbox's rows numbered seqs, in
// order (see Dispatch), handing each delivery to insert: the loop the SQL
// stores run inside their dispatch transaction.
func DispatchAll(events []*ff.AuditEvent, seqs []int64, hooks []*ff.Webhook, queued map[string]int, maxQueued int, now time.Time, insert func(*ff.WebhookDelivery) error) error {
	for i, ev := range events {
		ds, err := Dispatch(ev, seqs[i], hooks, queued, maxQueued, now)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := insert(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// Dispatch returns the deliveries of one outbox event, seq, to the
// endpoints in hooks that match it, due at now. queued holds each
// endpoint's pending deliveries and counts the new ones in: a delivery to
// an endpoint with maxQueued (or more) pending is made dropped, which the
// delivery log shows and a redelivery by hand can queue again later. A
// delivery's id is the event's and the endpoint's, so that dispatching an
// event twice (a store without transactions, retrying) makes no second.
func Dispatch(ev *ff.AuditEvent, seq int64, hooks []*ff.Webhook, queued map[string]int, maxQueued int, now time.Time) ([]*ff.WebhookDelivery, error) {
	var out []*ff.WebhookDelivery
	var payload []byte
	for _, w := range hooks {
		if !w.Matches(ev) {
			continue
		}
		if payload == nil {
			var err error
			if payload, err = json.Marshal(ev); err != nil {
				return nil, err
			}
		}
		d := &ff.WebhookDelivery{
			ID: ev.ID + "-" + w.ID, WebhookID: w.ID, Seq: seq, EventID: ev.ID, Action: ev.Action,
			TargetType: ev.TargetType, TargetID: ev.TargetID, TargetName: ev.TargetName,
			Payload: payload, State: ff.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
		}
		if maxQueued > 0 && queued[w.ID] >= maxQueued {
			d.State = ff.DeliveryDropped
			d.Error = fmt.Sprintf("not queued: the webhook had %d deliveries queued (%s)", queued[w.ID], storeerr.LimitQueued)
		} else {
			queued[w.ID]++
		}
		out = append(out, d)
	}
	return out, nil
}

// Redelivery returns a new pending delivery, due at now, of orig's event
// to orig's endpoint, in its event's place (orig's Seq).
func Redelivery(orig *ff.WebhookDelivery, now time.Time) *ff.WebhookDelivery {
	return &ff.WebhookDelivery{
		ID: ff.NewID(), WebhookID: orig.WebhookID, Seq: orig.Seq, EventID: orig.EventID, Action: orig.Action,
		TargetType: orig.TargetType, TargetID: orig.TargetID, TargetName: orig.TargetName,
		Payload: orig.Payload, State: ff.DeliveryPending, NextAttemptAt: now, CreatedAt: now, RedeliveryOf: orig.ID,
	}
}

// FinishArgs returns the values FinishWebhookDelivery writes, in this
// order: state, attempts, next_attempt_at, last_attempt_at,
// response_status, latency_ms, response_excerpt, error, then the id and
// the owner the row must be leased to.
func FinishArgs(owner string, d *ff.WebhookDelivery) []any {
	return []any{d.State, d.Attempts, Millis(d.NextAttemptAt), OptMillis(d.LastAttemptAt), d.ResponseStatus,
		d.LatencyMillis, d.ResponseExcerpt, d.Error, d.ID, owner}
}

// ClaimCandidates is the query of the ids of the deliveries a claim takes,
// given the parameters of now and of the limit: due, not leased (or whose
// lease ran out), to an enabled endpoint, and with no earlier pending
// delivery of the same endpoint and target, so that one target's
// deliveries go out one at a time, in order.
func ClaimCandidates(now, limit string) string {
	return `SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.state = 'pending' AND d.next_attempt_at <= ` + now + ` AND d.lease_until <= ` + now + `
		AND NOT w.disabled
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
			WHERE e.webhook_id = d.webhook_id AND e.target_type = d.target_type AND e.target_id = d.target_id
			AND e.state = 'pending' AND (e.seq < d.seq OR (e.seq = d.seq AND e.created_at < d.created_at)))
		ORDER BY d.seq, d.id LIMIT ` + limit
}

// Jobs pairs claimed deliveries with their endpoints' URL and secret, in
// seq order (an UPDATE's RETURNING has none).
func Jobs(ds []*ff.WebhookDelivery, hooks []*ff.Webhook) []*ff.WebhookJob {
	slices.SortFunc(ds, func(a, b *ff.WebhookDelivery) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.ID, b.ID))
	})
	byID := make(map[string]*ff.Webhook, len(hooks))
	for _, w := range hooks {
		byID[w.ID] = w
	}
	jobs := make([]*ff.WebhookJob, 0, len(ds))
	for _, d := range ds {
		if w := byID[d.WebhookID]; w != nil {
			jobs = append(jobs, &ff.WebhookJob{Delivery: d, URL: w.URL, Secret: w.Secret})
		}
	}
	return jobs
}

// Prefixed returns a Row whose Scan reads the first column into first and
// the rest as row's reader expects: for a column in front of a list.
func Prefixed(row Row, first any) Row { return prefixed{row, first} }

type prefixed struct {
	row   Row
	first any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }
