package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	ffusage "github.com/featureflags/featureflags/internal/usage"
)

// usageConfig configures evaluation counting and its flushes.
type usageConfig struct {
	FlushInterval    time.Duration
	MaxPending       int
	MaxPoints        int
	MaxReportCounts  int
	MetricFlags      string // comma-separated flag names
	Counting         bool
	StaleUnused      time.Duration
	StaleConstant    time.Duration
	KindLifetimes    kindLifetimes
	Retention        time.Duration
	StaleMetricEvery time.Duration
}

func defaultUsageConfig() usageConfig {
	return usageConfig{FlushInterval: 10 * time.Second, MaxPending: 100_000, MaxPoints: 2000, MaxReportCounts: 10_000, Counting: true,
		StaleUnused: 30 * 24 * time.Hour, StaleConstant: 14 * 24 * time.Hour, KindLifetimes: maps.Clone(ff.DefaultLifetimes),
		Retention: 90 * 24 * time.Hour, StaleMetricEvery: 10 * time.Minute}
}

func usageFlags(fs *flag.FlagSet, c *usageConfig) {
	fs.DurationVar(&c.FlushInterval, "usage-flush-interval", c.FlushInterval, "how often evaluation counts are written to the store (and once more at shutdown)")
	fs.IntVar(&c.MaxPending, "usage-max-pending", c.MaxPending, "most usage buckets kept while the store cannot be written; counts beyond are dropped and counted")
	fs.IntVar(&c.MaxPoints, "usage-max-points", c.MaxPoints, "most steps one GET /flags/{id}/usage answer may hold")
	fs.IntVar(&c.MaxReportCounts, "usage-max-report-counts", c.MaxReportCounts, "most counts one SDK usage report may hold")
	fs.BoolVar(&c.Counting, "usage-counting", c.Counting, "count OFREP evaluations per flag, variant and reason (false: SDK reports only)")
	fs.DurationVar(&c.StaleUnused, "stale-unused-after", c.StaleUnused, "a flag not evaluated in an environment for this long is stale (unused) there")
	fs.DurationVar(&c.StaleConstant, "stale-constant-after", c.StaleConstant, "a flag that served one variant to every evaluation for this long is stale (constant)")
	fs.Var((*days)(&c.Retention), "usage-retention", "delete hourly evaluation counts older than this (e.g. 90d, 2160h); 0 keeps them all")
	fs.DurationVar(&c.StaleMetricEvery, "stale-metric-interval", c.StaleMetricEvery, "how often the stale flags metric (featureflags_flags_stale) is computed, in the background")
	fs.Var(&c.KindLifetimes, "kind-lifetime", "expected lifetime of flag kinds, after which a flag is stale (overdue): kind=lifetime pairs such as release=40d,operational=7d; permanent (or 0) for none; kinds not given keep their defaults")
	fs.StringVar(&c.MetricFlags, "usage-metric-flags", c.MetricFlags, "comma-separated flags whose evaluations the metrics label by flag key (others are not labelled)")
}

func (c usageConfig) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"usage-flush-interval", c.FlushInterval}, {"stale-unused-after", c.StaleUnused}, {"stale-constant-after", c.StaleConstant}, {"stale-metric-interval", c.StaleMetricEvery}} {
		if d.v <= 0 {
			return fmt.Errorf("--%s (%s) must be positive", d.name, envName(d.name))
		}
	}
	if c.Retention < 0 {
		return fmt.Errorf("--usage-retention (%s) must not be negative", envName("usage-retention"))
	}
	for _, l := range []struct {
		name string
		v    int
	}{{"usage-max-pending", c.MaxPending}, {"usage-max-points", c.MaxPoints}, {"usage-max-report-counts", c.MaxReportCounts}} {
		if l.v < 1 {
			return fmt.Errorf("--%s (%s) must be at least 1", l.name, envName(l.name))
		}
	}
	return nil
}

// server is the server's part of c.
func (c usageConfig) server() server.UsageConfig {
	var flags []string
	for _, f := range strings.Split(c.MetricFlags, ",") {
		if f = strings.TrimSpace(f); f != "" {
			flags = append(flags, f)
		}
	}
	return server.UsageConfig{MaxPending: c.MaxPending, MetricFlags: flags, MaxPoints: c.MaxPoints, MaxReportCounts: c.MaxReportCounts, Off: !c.Counting,
		Stale:     ffusage.StaleRules{UnusedAfter: c.StaleUnused, ConstantAfter: c.StaleConstant, Lifetimes: c.KindLifetimes},
		Retention: c.Retention}
}

// startUsage writes evaluation counts to the store every
// --usage-flush-interval.
func (m *Main) startUsage(ctx context.Context) {
	if m.api == nil {
		return
	}
	u := m.api.Usage()
	m.workers.Go(func() {
		every(ctx, m.Config.Usage.FlushInterval, u.Flush, func(err error) {
			m.Log.Warn("writing evaluation counts failed; keeping them for the next flush", "error", err.Error())
		})
	})
	m.pruneUsage(ctx)
	m.workers.Go(func() {
		report := func(err error) {
			m.Log.Warn("computing the stale flags metric failed; retrying later", "error", err.Error())
		}
		if err := m.api.CountStale(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
		every(ctx, m.Config.Usage.StaleMetricEvery, m.api.CountStale, report)
	})
}

// pruneUsage enforces --usage-retention now and every
// AuditPruneInterval (hourly buckets need no finer schedule).
func (m *Main) pruneUsage(ctx context.Context) {
	if m.api == nil || m.Config.Usage.Retention <= 0 {
		return
	}
	u := m.api.Usage()
	prune := func(ctx context.Context) error {
		n, err := u.Prune(ctx)
		if n > 0 {
			m.Log.Info("pruned old evaluation counts", "deleted", n)
		}
		return err
	}
	report := func(err error) {
		m.Log.Warn("pruning old evaluation counts failed; retrying later", "error", err.Error())
	}
	m.workers.Go(func() {
		if err := prune(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
		every(ctx, m.Config.AuditPruneInterval, prune, report)
	})
}

// flushUsage writes the last evaluation counts at shutdown.
func (m *Main) flushUsage(ctx context.Context) {
	if m.api == nil {
		return
	}
	if err := m.api.Usage().Flush(ctx); err != nil {
		m.Log.Warn("writing evaluation counts at shutdown failed", "error", err.Error())
	}
}
