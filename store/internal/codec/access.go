package codec

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
)

// TokenColumnList is the column list ScanToken reads and TokenArgs fills,
// in their order.
const TokenColumnList = `id, name, role, environment, hash, created_at, expires_at, last_used_at, revoked_at`

// TokenArgs returns t's column values in the order of TokenColumnList:
// optional times are nil (NULL) when unset.
func TokenArgs(t *ff.Token) []any {
	return []any{t.ID, t.Name, string(t.Role), t.Environment, t.Hash,
		Millis(t.CreatedAt), OptMillis(t.ExpiresAt), OptMillis(t.LastUsedAt), OptMillis(t.RevokedAt)}
}

// ScanToken reads a token from a row of TokenColumnList.
func ScanToken(row Row) (*ff.Token, error) {
	var t ff.Token
	var created int64
	var expires, used, revoked *int64
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Environment, &t.Hash, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt = Time(created)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = OptTime(expires), OptTime(used), OptTime(revoked)
	return &t, nil
}

// OptMillis is the stored form of an optional time: nil (NULL) or Millis.
func OptMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return Millis(*t)
}

// OptTime is the inverse of OptMillis.
func OptTime(ms *int64) *time.Time {
	if ms == nil {
		return nil
	}
	t := Time(*ms)
	return &t
}

// AuditColumnList is the column list ScanAudit reads and AuditArgs fills,
// in their order. "time", "before" and "after" are quoted: they are
// keywords in SQLite or PostgreSQL.
const AuditColumnList = `id, "time", actor_type, actor_id, actor_name, action, target_type, target_id, target_name, environment, "before", "after", request_id, before_diff`

// PrepareEvent readies ev for storing: it gives it an id if it has none and
// checks that Before and After, when set, are JSON, so that every store
// accepts and refuses the same events.
func PrepareEvent(ev *ff.AuditEvent) error {
	if ev.ID == "" {
		ev.ID = ff.NewID()
	}
	if len(ev.Before) > 0 && !json.Valid(ev.Before) {
		return ff.Errorf(ff.EINVALID, "audit event %s: before is not JSON", ev.ID)
	}
	if len(ev.After) > 0 && !json.Valid(ev.After) {
		return ff.Errorf(ff.EINVALID, "audit event %s: after is not JSON", ev.ID)
	}
	return nil
}

// AuditArgs returns ev's column values in the order of AuditColumnList:
// Before (or, in its place, before_diff: see StoredBefore) and After are
// strings holding their JSON byte for byte, or nil (NULL) when absent.
func AuditArgs(ev *ff.AuditEvent) []any {
	before, diff := StoredBefore(ev.Before, ev.After)
	return []any{ev.ID, Millis(ev.Time), ev.Actor.Type, ev.Actor.ID, ev.Actor.Name, ev.Action,
		ev.TargetType, ev.TargetID, ev.TargetName, ev.Environment, OptJSON(before), OptJSON(ev.After), ev.RequestID,
		OptJSON(diff)}
}

// OptJSON is the stored form of an optional JSON value: nil (NULL) when
// empty, else its text unchanged.
func OptJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// ScanAudit reads an event from a row of AuditColumnList.
func ScanAudit(row Row) (*ff.AuditEvent, error) {
	var ev ff.AuditEvent
	var at int64
	var before, after, diff *string
	err := row.Scan(&ev.ID, &at, &ev.Actor.Type, &ev.Actor.ID, &ev.Actor.Name, &ev.Action,
		&ev.TargetType, &ev.TargetID, &ev.TargetName, &ev.Environment, &before, &after, &ev.RequestID, &diff)
	if err != nil {
		return nil, err
	}
	ev.Time = Time(at)
	return &ev, SetStates(&ev, deref(before), deref(after), deref(diff))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// SetStates sets ev's Before and After from their stored form ("" for
// none): the before in full, or a diff from the after (see StoredBefore).
func SetStates(ev *ff.AuditEvent, before, after, diff string) error {
	if after != "" {
		ev.After = json.RawMessage(after)
	}
	switch {
	case before != "":
		ev.Before = json.RawMessage(before)
	case diff != "":
		b, err := RestoreBefore(ev.After, json.RawMessage(diff))
		if err != nil {
			return fmt.Errorf("audit event %s: before: %w", ev.ID, err)
		}
		ev.Before = b
	}
	return nil
}

// ToggleState is the Before or After of a toggle's audit event: the
// toggled environment's state, {"environments":{"<env>":<on>}}.
func ToggleState(env string, on bool) json.RawMessage {
	name, _ := json.Marshal(env) // a string always encodes
	return json.RawMessage(`{"environments":{` + string(name) + `:` + strconv.FormatBool(on) + `}}`)
}

// SetToggle fills ev's Before and After for a toggle that left env in the
// state on.
func SetToggle(ev *ff.AuditEvent, env string, on bool) {
	ev.Before, ev.After = ToggleState(env, !on), ToggleState(env, on)
}

// Audit listing limits.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 1000
)

// AuditLimit returns the page size for a requested limit: the default for
// none (or a negative one), at most MaxAuditLimit.
func AuditLimit(n int) int {
	if n <= 0 {
		return DefaultAuditLimit
	}
	return min(n, MaxAuditLimit)
}

// Cursor is a position in the audit log's newest-first order: the (time,
// id) of the last event of a page. The next page holds the events before
// it: an older time, or the same time and a smaller id.
type Cursor struct {
	Time int64 // Unix milliseconds
	ID   string
}

// EncodeCursor returns c as an opaque string.
func EncodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Time, 10) + ":" + c.ID))
}

// DecodeCursor parses a string EncodeCursor returned; ok is false for "".
func DecodeCursor(s string) (c Cursor, ok bool, err error) {
	if s == "" {
		return c, false, nil
	}
	bad := &ff.Error{Code: ff.EINVALID, Message: "invalid cursor; pass one a previous page returned", Field: "cursor"}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, false, bad
	}
	ms, id, found := strings.Cut(string(b), ":")
	if !found || id == "" {
		return c, false, bad
	}
	if c.Time, err = strconv.ParseInt(ms, 10, 64); err != nil {
		return c, false, bad
	}
	c.ID = id
	return c, true, nil
}

// AuditPage makes a page of events read with a limit one above limit:
// the first limit events, and the cursor after the last of them if there
// were more ("" if not).
func AuditPage(events []*ff.AuditEvent, limit int) ([]*ff.AuditEvent, string) {
	if events == nil {
		events = []*ff.AuditEvent{}
	}
	if len(events) <= limit {
		return events, ""
	}
	events = events[:limit]
	last := events[limit-1]
	return events, EncodeCursor(Cursor{Time: Millis(last.Time), ID: last.ID})
}

// AuditQuery returns the SELECT of the SQL stores' ListAudit and its
// arguments: the events f selects, newest first, at most limit+1 of them
// (see AuditPage). param numbers a parameter: "?" for SQLite gives ?1,
// "$" for PostgreSQL $1.
func AuditQuery(f ff.AuditFilter, param string) (query string, args []any, limit int, err error) {
	limit = AuditLimit(f.Limit)
	cur, hasCursor, err := DecodeCursor(f.Cursor)
	if err != nil {
		return "", nil, 0, err
	}
	var where []string
	arg := func(v any) string {
		args = append(args, v)
		return param + strconv.Itoa(len(args))
	}
	if f.TargetID != "" {
		where = append(where, `target_id = `+arg(f.TargetID))
	}
	if f.Environment != "" {
		where = append(where, `environment = `+arg(f.Environment))
	}
	if f.Actor != "" {
		p := arg(f.Actor)
		where = append(where, `(actor_id = `+p+` OR actor_name = `+p+`)`)
	}
	if !f.Since.IsZero() {
		where = append(where, `"time" >= `+arg(Millis(f.Since)))
	}
	if !f.Until.IsZero() {
		where = append(where, `"time" < `+arg(Millis(f.Until)))
	}
	if hasCursor {
		where = append(where, `("time", id) < (`+arg(cur.Time)+`, `+arg(cur.ID)+`)`)
	}
	query = `SELECT ` + AuditColumnList + ` FROM audit`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY "time" DESC, id DESC LIMIT ` + strconv.Itoa(limit+1)
	return query, args, limit, nil
}
