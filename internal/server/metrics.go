package server

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/featureflags/featureflags/wire"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own so
// that several servers in one process (tests) don't collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ok       atomic.Pointer[map[string]*okSeries] // by route; replaced whole, read without a lock
	okMu     sync.Mutex                           // held while replacing ok

	// Live updates (live.go).
	streams       *prometheus.GaugeVec   // open streams by kind
	streamEvents  *prometheus.CounterVec // events written to streams by kind and event
	streamDropped prometheus.Counter     // subscribers dropped for falling behind
	streamLag     prometheus.Histogram   // commit (or hearing of it) to event written
}

// durationBuckets run from 0.5 ms to 5 s in steps of at most 1.5 times,
// on round values: fine enough to read a p95 anywhere between 1 ms and 5 s.
var durationBuckets = []float64{
	.0005, .001, .0015, .002, .003, .004, .005, .0075,
	.01, .015, .02, .03, .04, .05, .075,
	.1, .15, .2, .3, .4, .5, .75,
	1, 1.5, 2, 3, 4, 5,
}

func newMetrics(version, commit string, flagCount, ready, invalidFlags func() float64) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "featureflags_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "featureflags_http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern.",
			Buckets: durationBuckets,
		}, []string{"route"}),
	}
	m.ok.Store(&map[string]*okSeries{})
	m.streams = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "featureflags_streams",
		Help: "Open event streams by kind: sdk (" + wire.StreamPath + "), ofrep (" + wire.OFREPEventsPath + ") and events (/events).",
	}, []string{"kind"})
	m.streamEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "featureflags_stream_events_total",
		Help: "Events written to event streams, by stream kind and event (snapshot, change, refetchEvaluation).",
	}, []string{"kind", "event"})
	m.streamDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "featureflags_stream_dropped_total",
		Help: "Stream subscribers dropped for falling behind (their clients reconnect and catch up).",
	})
	m.streamLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "featureflags_stream_propagation_seconds",
		Help:    "From a change's commit (for other replicas' changes: from hearing of it) to its event written to a stream.",
		Buckets: durationBuckets,
	})
	for _, kind := range []string{streamSDK, streamOFREP, streamEvents} {
		m.streams.WithLabelValues(kind)
	}
	m.registry.MustRegister(m.requests, m.duration, m.streams, m.streamEvents, m.streamDropped, m.streamLag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "featureflags_flags",
			Help: "Number of flags.",
		}, flagCount),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "featureflags_flags_invalid",
			Help: "Flags that do not compile under the current limits in at least one environment (they evaluate to PARSE_ERROR there; the log and the API's \"problems\" say why).",
		}, invalidFlags),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "featureflags_build_info",
			Help:        "Build information; the value is always 1.",
			ConstLabels: prometheus.Labels{"version": version, "commit": commit},
		}, func() float64 { return 1 }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "featureflags_ready",
			Help: "1 when /readyz answers 200 (the store answers a ping), else 0 (degraded or store unreachable).",
		}, ready),
	)
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = methodLabel(method)
	rs := (*m.ok.Load())[route]
	if rs == nil && status == http.StatusOK {
		rs = m.resolve(method, route)
	}
	if rs == nil {
		m.requests.WithLabelValues(method, route, statusLabel(status)).Inc()
		m.duration.WithLabelValues(route).Observe(d.Seconds())
		return
	}
	if status == http.StatusOK && method == rs.method {
		rs.count.Inc()
	} else {
		m.requests.WithLabelValues(method, route, statusLabel(status)).Inc()
	}
	rs.duration.Observe(d.Seconds())
}

// okSeries are a route's duration histogram and its counter of requests
// of one method answered 200, the most frequent answer, resolved once:
// looking series up by their label values hashed the labels per request.
// A route gets them at its first 200, so that no series shows before it
// has a request.
type okSeries struct {
	duration prometheus.Observer
	method   string
	count    prometheus.Counter
}

// resolve makes route's okSeries for method, unless another request did.
func (m *metrics) resolve(method, route string) *okSeries {
	m.okMu.Lock()
	defer m.okMu.Unlock()
	old := *m.ok.Load()
	if rs := old[route]; rs != nil {
		return rs
	}
	rs := &okSeries{duration: m.duration.WithLabelValues(route), method: method,
		count: m.requests.WithLabelValues(method, route, statusLabel(http.StatusOK))}
	next := maps.Clone(old)
	next[route] = rs // routes are the table's patterns: a bounded set
	m.ok.Store(&next)
	return rs
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// statusLabels are the status label of every status net/http can send,
// made once rather than per request.
var statusLabels = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return strconv.Itoa(code)
}

// methodLabel keeps the method label to a closed set: a client may send any
// token as a method, before access control sees it, and each would be a
// series of its own.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}
