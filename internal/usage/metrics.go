package usage

import (
	"github.com/featureflags/featureflags/eval"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the collector's Prometheus metrics. Names and labels follow
// the OpenTelemetry feature-flag conventions where they fit
// (feature_flag.key, feature_flag.result.reason, error.type), with dots
// made underscores. Flags are labelled only when listed in
// Config.LabelFlags, so that 100,000 flags never become 100,000 series.
type Metrics struct {
	evaluations *prometheus.CounterVec
	dropped     prometheus.Counter
	label       map[string]bool
	stale       *prometheus.GaugeVec // stalecount.go
	staleAt     prometheus.Gauge
}

func newMetrics(labelFlags []string) *Metrics {
	m := &Metrics{label: map[string]bool{}}
	for _, f := range labelFlags {
		m.label[f] = true
	}
	m.evaluations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feature_flag_evaluations_total",
		Help: "Flag evaluations answered, by environment, reason and error type; feature_flag_key is set only for the flags of --usage-metric-flags.",
	}, []string{"environment", "feature_flag_result_reason", "error_type", "feature_flag_key"})
	m.dropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "featureflags_usage_dropped_total",
		Help: "Evaluations not recorded in the usage store because too many buckets were waiting for it (--usage-max-pending).",
	})
	newStaleMetrics(m)
	return m
}

// Collectors returns the metrics, to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.evaluations, m.dropped, m.stale, m.staleAt}
}

func (m *Metrics) add(n eval.Count) {
	flag := ""
	if m.label[n.Flag] {
		flag = n.Flag
	}
	m.evaluations.WithLabelValues(n.Environment, n.Reason, n.ErrorCode, flag).Add(float64(n.N))
}
