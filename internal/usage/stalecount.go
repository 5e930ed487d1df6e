package usage

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/prometheus/client_golang/prometheus"
)

// StaleFlag is one flag that is stale, with why, and when it was last
// evaluated per environment.
type StaleFlag struct {
	Flag *ff.Flag
	Last map[string]time.Time
	Why  []Staleness
}

// Stale returns the flags of flags that are stale at now by rules, in
// their order: from the last evaluations this process and the store know,
// and the store's buckets of the last ConstantAfter. It reads the store
// (ff.EUNAVAILABLE while there is none).
func (c *Collector) Stale(ctx context.Context, flags []*ff.Flag, rules StaleRules, now time.Time) ([]StaleFlag, error) {
	us, ok := c.cfg.Store().(ff.UsageStore)
	if !ok {
		return nil, ff.Errorf(ff.EUNAVAILABLE, "usage is kept in the store, which cannot be reached now; retry later")
	}
	recent, err := us.Usage(ctx, ff.UsageFilter{Since: now.Add(-rules.ConstantAfter)})
	if err != nil {
		return nil, err
	}
	last, err := c.LastEvaluated(ctx)
	if err != nil {
		return nil, err
	}
	byFlag := map[string][]ff.UsageBucket{}
	for _, b := range recent {
		byFlag[b.FlagID] = append(byFlag[b.FlagID], b)
	}
	var out []StaleFlag
	for _, f := range flags {
		if why := rules.Stale(f, last[f.ID], byFlag[f.ID], now); len(why) > 0 {
			out = append(out, StaleFlag{Flag: f, Last: last[f.ID], Why: why})
		}
	}
	return out, nil
}

// CountStale sets the stale metric (featureflags_flags_stale) to how many
// of flags are stale in each way at now; a flag stale in several ways, or
// unused in several environments, counts once in each way. It is meant to
// run in the background, since it reads the store.
func (c *Collector) CountStale(ctx context.Context, flags []*ff.Flag, rules StaleRules, now time.Time) error {
	stale, err := c.Stale(ctx, flags, rules, now)
	if err != nil {
		return err
	}
	counts := make(map[string]int, len(StaleKinds))
	for _, f := range stale {
		seen := map[string]bool{}
		for _, st := range f.Why {
			if !seen[st.Kind] {
				seen[st.Kind] = true
				counts[st.Kind]++
			}
		}
	}
	for _, kind := range StaleKinds {
		c.metrics.stale.WithLabelValues(kind).Set(float64(counts[kind]))
	}
	c.metrics.staleAt.Set(float64(now.Unix()))
	return nil
}

func newStaleMetrics(m *Metrics) {
	m.stale = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "featureflags_flags_stale",
		Help: "Flags (not archived) stale in each way, by reason: unused, constant or overdue; a flag stale in several ways counts in each. Computed in the background every --stale-metric-interval.",
	}, []string{"reason"})
	m.staleAt = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "featureflags_flags_stale_computed_timestamp_seconds",
		Help: "When featureflags_flags_stale was last computed, in Unix seconds (0: not yet).",
	})
}
