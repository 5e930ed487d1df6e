package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/usage"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/wire"
)

// What an SDK may report: the reasons and error codes evaluation gives, and
// names no longer than a flag name may be.
var (
	reasons = []string{eval.ReasonStatic, eval.ReasonTargetingMatch, eval.ReasonSplit, eval.ReasonDefault,
		eval.ReasonDisabled, eval.ReasonError}
	errorCodes = []string{eval.ErrorFlagNotFound, eval.ErrorParse, eval.ErrorTypeMismatch,
		eval.ErrorTargetingKeyMissing, eval.ErrorInvalidContext, eval.ErrorGeneral}
)

const maxReportName = 256

// Usage: the counts evaluation keeps are gathered by a usage.Collector
// that the server owns; its flushes are run by the caller (Usage().Flush),
// and reads of usage flush first, so they include the latest evaluations.

// UsageConfig configures usage counting (Config.Usage).
type UsageConfig struct {
	// MaxPending bounds the buckets waiting for the store (see usage.Config).
	MaxPending int
	// MetricFlags are the flags the evaluation metric labels by key.
	MetricFlags []string
	// MaxPoints bounds the points of one usage series (since..until / step);
	// 2,000 when zero.
	MaxPoints int
	// MaxReportCounts bounds the counts of one SDK usage report; 10,000
	// when zero.
	MaxReportCounts int
	// Off stops counting OFREP evaluations (SDK reports are still taken).
	Off bool
	// Stale says when flags are stale; 30 days unused, 14 days constant and
	// ff.DefaultLifetimes for the zero value's fields.
	Stale usage.StaleRules
	// Retention is how long usage buckets are kept; zero keeps them all.
	Retention time.Duration
}

// uncounted is the current snapshot without counting, made once per
// snapshot while counting is off.
type uncounted struct{ src, snap *eval.Snapshot }

// evalSnapshot is the snapshot OFREP evaluates on: the current one, or
// while counting is off its uncounted twin.
func (s *Server) evalSnapshot() *eval.Snapshot {
	snap := s.svc.Snapshot()
	if !s.usageCfg.Off || snap == nil {
		return snap
	}
	if u := s.quiet.Load(); u != nil && u.src == snap {
		return u.snap
	}
	u := &uncounted{src: snap, snap: snap.WithoutCounting()}
	s.quiet.Store(u)
	return u.snap
}

// retirePublisher tells the collector of every change of the view.
type retirePublisher struct{ c *usage.Collector }

func (p retirePublisher) Publish(*view.Change) { p.c.Retire() }

func (s *Server) setupUsage(cfg Config) {
	u := cfg.Usage
	if u.MaxPoints <= 0 {
		u.MaxPoints = 2000
	}
	if u.MaxReportCounts <= 0 {
		u.MaxReportCounts = 10_000
	}
	u.Stale = u.Stale.WithDefaults()
	s.usageCfg = u
	s.now = cfg.Clock
	if s.now == nil {
		s.now = time.Now
	}
	s.usage = usage.New(usage.Config{
		Snapshot:   s.svc.Snapshot,
		FlagID:     s.flagID,
		Store:      s.svc.Store,
		Now:        s.now,
		MaxPending: u.MaxPending,
		LabelFlags: u.MetricFlags,
		Retention:  u.Retention,
	})
	s.metrics.registry.MustRegister(s.usage.Metrics().Collectors()...)
	s.svc.AddPublisher(retirePublisher{s.usage})
}

// usageRoutes are the routes of usage.go and lifecycle.go, for the route
// table.
func (s *Server) usageRoutes() []route {
	return []route{
		{"GET", "/flags/{id}/usage", read, s.flagUsage},
		{"GET", "/usage/summary", read, s.usageSummary},
		{"POST", wire.UsagePath, rules, s.sdkUsage},
		{"POST", "/flags/{id}/archive", write, s.archiveFlag},
		{"POST", "/flags/{id}/restore", write, s.restoreFlag},
	}
}

// Usage returns the server's usage collector, whose Flush the caller runs
// periodically and once at shutdown.
func (s *Server) Usage() *usage.Collector { return s.usage }

// currentFlags returns the flags of the latest view.
func (s *Server) currentFlags() []*ff.Flag {
	if v := s.svc.Latest(); v != nil {
		return v.Flags()
	}
	return nil
}

// flagID is the id of the current flag named name.
func (s *Server) flagID(name string) (string, bool) {
	if v := s.svc.Latest(); v != nil {
		if f := v.FlagNamed(name); f != nil {
			return f.ID, true
		}
	}
	return "", false
}

// usageQuery is GET /flags/{id}/usage's query, checked.
type usageQuery struct {
	env          string
	since, until time.Time
	step         time.Duration
}

func (s *Server) parseUsageQuery(r *http.Request) (usageQuery, error) {
	q := r.URL.Query()
	u := usageQuery{env: q.Get("environment"), step: time.Hour}
	u.until = ff.UsageHour(s.now()).Add(time.Hour)
	var err error
	if v := q.Get("until"); v != "" {
		if u.until, err = time.Parse(time.RFC3339, v); err != nil {
			return u, ff.FieldErrorf("until", "until must be an RFC 3339 time, such as 2026-05-01T00:00:00Z")
		}
	}
	if v := q.Get("step"); v != "" {
		if u.step, err = time.ParseDuration(v); err != nil || u.step <= 0 || u.step%time.Hour != 0 {
			return u, ff.FieldErrorf("step", "step must be a whole number of hours, such as 1h or 24h")
		}
	}
	u.until = ff.UsageHour(u.until.Add(time.Hour - 1)) // up to a whole hour
	u.since = u.until.Add(-7 * 24 * time.Hour)
	if v := q.Get("since"); v != "" {
		if u.since, err = time.Parse(time.RFC3339, v); err != nil {
			return u, ff.FieldErrorf("since", "since must be an RFC 3339 time, such as 2026-04-24T00:00:00Z")
		}
		u.since = ff.UsageHour(u.since)
	}
	if !u.since.Before(u.until) {
		return u, ff.FieldErrorf("since", "since must be before until")
	}
	return u, s.checkPoints(u)
}

func (s *Server) checkPoints(u usageQuery) error {
	if n := (u.until.Sub(u.since) + u.step - 1) / u.step; n > time.Duration(s.usageCfg.MaxPoints) {
		return &ff.Error{Code: ff.EINVALID, Field: "step", Limit: "usage-max-points", Message: "the range holds " +
			strconv.FormatInt(int64(n), 10) + " steps, more than the limit of " + strconv.Itoa(s.usageCfg.MaxPoints) +
			" (--usage-max-points): shorten it or use a longer step"}
	}
	return nil
}

// UsageSeries is one series of GET /flags/{id}/usage: the counts of one
// environment, variant, reason and error code, one point per step.
type UsageSeries struct {
	Environment string  `json:"environment"`
	Variant     string  `json:"variant,omitempty"`
	Reason      string  `json:"reason"`
	ErrorCode   string  `json:"errorCode,omitempty"`
	Total       int64   `json:"total"`
	Counts      []int64 `json:"counts"`
}

// UsageAnswer is the body of GET /flags/{id}/usage.
type UsageAnswer struct {
	FlagID string        `json:"flagId"`
	Name   string        `json:"name"`
	Since  time.Time     `json:"since"`
	Until  time.Time     `json:"until"`
	Step   string        `json:"step"`
	Times  []time.Time   `json:"times"` // the start of each step
	Series []UsageSeries `json:"series"`
	// LastEvaluated is when the flag was last evaluated, per environment
	// (null: never).
	LastEvaluated map[string]*time.Time `json:"lastEvaluated"`
}

func (s *Server) flagUsage(w http.ResponseWriter, r *http.Request) {
	f, err := s.svc.Flag(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	q, err := s.parseUsageQuery(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if q.env != "" && f.Environments != nil {
		if _, ok := f.Environments[q.env]; !ok {
			httpx.Error(w, r, ff.FieldErrorf("environment", "unknown environment %q", q.env))
			return
		}
	}
	us, err := s.usageStore(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	buckets, err := us.Usage(r.Context(), ff.UsageFilter{FlagID: f.ID, Environment: q.env, Since: q.since, Until: q.until})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	last, err := s.usage.LastEvaluated(r.Context()) // usageStore flushed
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, buildUsage(f, q, buckets, lastOf(last, f)))
}

// usageStore flushes what evaluation counted so far (so the answer
// includes it) and returns the store's usage side.
func (s *Server) usageStore(r *http.Request) (ff.UsageStore, error) {
	s.flushForRead(r)
	us, ok := s.svc.Store().(ff.UsageStore)
	if !ok {
		return nil, ff.Errorf(ff.EUNAVAILABLE, "usage is kept in the store, which cannot be reached now; retry later")
	}
	return us, nil
}

func buildUsage(f *ff.Flag, q usageQuery, buckets []ff.UsageBucket, last map[string]*time.Time) *UsageAnswer {
	a := &UsageAnswer{FlagID: f.ID, Name: f.Name, Since: q.since, Until: q.until, Step: q.step.String(),
		Series: []UsageSeries{}, LastEvaluated: last}
	for t := q.since; t.Before(q.until); t = t.Add(q.step) {
		a.Times = append(a.Times, t)
	}
	index := map[[4]string]int{}
	for _, b := range buckets {
		k := [4]string{b.Environment, b.Variant, b.Reason, b.ErrorCode}
		i, ok := index[k]
		if !ok {
			i = len(a.Series)
			index[k] = i
			a.Series = append(a.Series, UsageSeries{Environment: b.Environment, Variant: b.Variant,
				Reason: b.Reason, ErrorCode: b.ErrorCode, Counts: make([]int64, len(a.Times))})
		}
		a.Series[i].Counts[int(b.Hour.Sub(q.since)/q.step)] += b.Count
		a.Series[i].Total += b.Count
	}
	return a
}

// flushForRead flushes usage so that a read includes the latest counts; a
// failure only makes the read older.
func (s *Server) flushForRead(r *http.Request) {
	if err := s.usage.Flush(r.Context()); err != nil {
		httpx.Log(r, "flushing usage before reading it failed", err)
	}
}

// lastOf is f's entry of last, with every environment of f (null: never).
func lastOf(last map[string]map[string]time.Time, f *ff.Flag) map[string]*time.Time {
	out := make(map[string]*time.Time, len(f.Environments))
	for env := range f.Environments {
		if t, ok := last[f.ID][env]; ok {
			out[env] = &t
		} else {
			out[env] = nil
		}
	}
	return out
}

// sdkUsage takes an SDK's report of what it evaluated in-process, in the
// environment of its key (or X-Environment).
func (s *Server) sdkUsage(w http.ResponseWriter, r *http.Request) {
	var rep wire.UsageReport
	if err := httpx.DecodeJSON(w, r, s.maxBody, &rep); err != nil {
		httpx.Error(w, r, err)
		return
	}
	counts, err := s.checkReport(&rep)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	s.usage.Report(s.environment(w, r), counts)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) checkReport(rep *wire.UsageReport) ([]eval.Count, error) {
	if len(rep.Counts) > s.usageCfg.MaxReportCounts {
		return nil, &ff.Error{Code: ff.EINVALID, Field: "counts", Limit: "usage-max-report-counts",
			Message: "a report holds at most " + strconv.Itoa(s.usageCfg.MaxReportCounts) + " counts (--usage-max-report-counts); send several"}
	}
	out := make([]eval.Count, len(rep.Counts))
	for i, c := range rep.Counts {
		field := "counts[" + strconv.Itoa(i) + "]"
		switch {
		case c.Flag == "":
			return nil, ff.FieldErrorf(field+".flag", "flag is required")
		case !slices.Contains(reasons, c.Reason):
			return nil, ff.FieldErrorf(field+".reason", "reason must be one of %s", strings.Join(reasons, ", "))
		case c.ErrorCode != "" && !slices.Contains(errorCodes, c.ErrorCode):
			return nil, ff.FieldErrorf(field+".errorCode", "errorCode must be empty or one of %s", strings.Join(errorCodes, ", "))
		case len(c.Flag) > maxReportName || len(c.Variant) > maxReportName:
			return nil, ff.FieldErrorf(field, "flag and variant names are at most %d bytes", maxReportName)
		case c.Count < 1:
			return nil, ff.FieldErrorf(field+".count", "count must be at least 1")
		}
		out[i] = eval.Count{Flag: c.Flag, Variant: c.Variant, Reason: c.Reason, ErrorCode: c.ErrorCode, N: uint64(c.Count)}
	}
	return out, nil
}
