package server

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

// MaxSummaryDays bounds the days of GET /usage/summary.
const MaxSummaryDays = 30

// UsageSummary is the body of GET /usage/summary: every flag's evaluations
// per environment and day, for a list of all flags (the UI's sparklines)
// in one request instead of one per flag.
type UsageSummary struct {
	Days  int       `json:"days"`
	Since time.Time `json:"since"` // the start of the first day
	Until time.Time `json:"until"` // the end of the last: the end of the current hour
	// Flags maps a flag's id to its daily counts per environment, oldest
	// first; flags and environments without evaluations are left out.
	Flags map[string]map[string][]int64 `json:"flags"`
}

// summaryCache keeps, per number of days, the counts of the whole hours
// before the current one: those are complete (bar a late flush), so a
// request reads only the current hour's buckets from the store.
type summaryCache struct {
	mu   sync.Mutex
	hour time.Time                             // the current hour of the entries
	past map[int]map[string]map[string][]int64 // days → counts before hour
}

func (s *Server) usageSummary(w http.ResponseWriter, r *http.Request) {
	days, err := summaryDays(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	us, err := s.usageStore(r) // flushed, so the current hour is up to date
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	hour := ff.UsageHour(s.now())
	a := &UsageSummary{Days: days, Until: hour.Add(time.Hour)}
	a.Since = a.Until.Add(-time.Duration(days) * 24 * time.Hour)
	past, err := s.summaries.before(r, us, hour, days, a.Since)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	current, err := us.Usage(r.Context(), ff.UsageFilter{Since: hour, Until: a.Until})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.Flags = maps.Clone(past)
	addDaily(a.Flags, current, a.Since, days, true)
	s.keepCurrentFlags(a.Flags)
	httpx.WriteJSON(w, http.StatusOK, a)
}

// summaryDays reads ?days= (default 7, 1 to MaxSummaryDays).
func summaryDays(r *http.Request) (int, error) {
	v := r.URL.Query().Get("days")
	if v == "" {
		return 7, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxSummaryDays {
		return 0, &ff.Error{Code: ff.EINVALID, Field: "days", Limit: "usage-summary-days",
			Message: "days must be a whole number from 1 to " + strconv.Itoa(MaxSummaryDays) + " (the limit usage-summary-days)"}
	}
	return n, nil
}

// before returns the daily counts from since up to hour, read from the
// store once per hour and number of days.
func (c *summaryCache) before(r *http.Request, us ff.UsageStore, hour time.Time, days int, since time.Time) (map[string]map[string][]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hour.Equal(hour) {
		c.hour, c.past = hour, map[int]map[string]map[string][]int64{}
	}
	if m, ok := c.past[days]; ok {
		return m, nil
	}
	buckets, err := us.Usage(r.Context(), ff.UsageFilter{Since: since, Until: hour})
	if err != nil {
		return nil, err
	}
	m := map[string]map[string][]int64{}
	addDaily(m, buckets, since, days, false)
	c.past[days] = m
	return m, nil
}

// addDaily adds buckets to m by flag, environment and day since since.
// With shared, m's inner maps and slices belong to the cache: a flag's are
// copied before the first change.
func addDaily(m map[string]map[string][]int64, buckets []ff.UsageBucket, since time.Time, days int, shared bool) {
	copied := map[string]bool{}
	for _, b := range buckets {
		day := int(b.Hour.Sub(since) / (24 * time.Hour))
		if day < 0 || day >= days {
			continue
		}
		envs := m[b.FlagID]
		if shared && !copied[b.FlagID] {
			copied[b.FlagID] = true
			next := make(map[string][]int64, len(envs)+1)
			for env, counts := range envs {
				next[env] = append([]int64(nil), counts...)
			}
			envs = next
			m[b.FlagID] = envs
		} else if envs == nil {
			envs = map[string][]int64{}
			m[b.FlagID] = envs
		}
		if envs[b.Environment] == nil {
			envs[b.Environment] = make([]int64, days)
		}
		envs[b.Environment][day] += b.Count
	}
}

// keepCurrentFlags drops from m the flags that no longer exist (deleted
// flags keep their buckets in the store).
func (s *Server) keepCurrentFlags(m map[string]map[string][]int64) {
	v := s.svc.Latest()
	if v == nil {
		return
	}
	for id := range m {
		if f := v.Flag(id); f == nil || f.ID != id {
			delete(m, id)
		}
	}
}
