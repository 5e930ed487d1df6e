// Package server is the HTTP face of the flag service: one route table, in
// which every route declares the permission it requires, one place that
// checks it (guard), and the middleware that gives every request an id, a
// log line and metrics. Requests are decoded and errors answered through
// package httpx; event streams are served by package stream.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/stream"
	"github.com/featureflags/featureflags/internal/ui"
	"github.com/featureflags/featureflags/internal/usage"
	"github.com/featureflags/featureflags/wire"
)

// Config configures a Server.
type Config struct {
	Service *service.Service
	Logger  *slog.Logger
	Version string
	// Commit is the source revision the binary was built from.
	Commit string
	// MaxBodyBytes bounds request bodies; 1 MiB when zero.
	MaxBodyBytes int64
	// DefaultEnvironment is where OFREP requests without an X-Environment
	// header evaluate; "production" when empty.
	DefaultEnvironment string
	// WriteRate limits the management writes of each token (or, while
	// access control is off, each client address) to this many per second
	// on average, in bursts of WriteBurst; zero disables the limit.
	// Evaluation is never limited.
	WriteRate  float64
	WriteBurst int
	// AllowedHosts are the host names the Host header may carry (with any
	// port); empty allows any. TrustedOrigins (host or host:port) are the
	// origins besides the server's own whose pages may send writes, over
	// http or https. See browser.go.
	AllowedHosts   []string
	TrustedOrigins []string
	// StreamHeartbeat is the interval of heartbeats on idle event streams
	// (live.go); 15s when zero.
	StreamHeartbeat time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// in request logs (see ParseTrustedProxies); none when empty.
	TrustedProxies []netip.Prefix
	// Streams bounds open event streams in total, per token and per client
	// address (429 beyond); zero fields are unbounded.
	Streams stream.Limits
	// EvalRate limits evaluations (OFREP) per token and, separately, per
	// client address, in bursts of EvalBurst; zero disables it.
	EvalRate  float64
	EvalBurst int
	// MaxContextBytes bounds an OFREP request body (the evaluation
	// context), below MaxBodyBytes; MaxDepth bounds the nesting of JSON
	// values: contexts here, variant values in the service. Zero: 64 KiB
	// and ff.DefaultMaxDepth.
	MaxContextBytes int64
	MaxDepth        int
	// EvalLogEvery logs one in this many successful OFREP evaluations
	// (failures and management requests always); every one when zero.
	EvalLogEvery int
	// Usage configures usage counting (usage.go).
	Usage UsageConfig
	// Clock is the server's clock for usage; time.Now when nil.
	Clock func() time.Time
}

// Server serves the API.
type Server struct {
	svc     *service.Service
	log     *slog.Logger
	metrics *metrics
	access  accessLog
	proxies proxies // who may name the client in X-Forwarded-For
	maxBody int64
	handler http.Handler
	// defaultEnv is Config.DefaultEnvironment.
	defaultEnv string
	limiter    *limiter // nil: writes are not rate limited
	evalLimit  *limiter // nil: evaluation is not rate limited
	maxContext int64
	maxDepth   int
	table      []route
	live       *live // the event streams (live.go)
	browser    *browserGuard
	logSample  *logSampler
	usage      *usage.Collector
	usageCfg   UsageConfig
	now        func() time.Time
	quiet      atomic.Pointer[uncounted] // see evalSnapshot
	lists      listCache
	summaries  summaryCache
	openapi    []byte // the OpenAPI document (openapi.go)
}

// New returns a Server for cfg. It panics for a Config.TrustedOrigins
// entry ValidateOrigin refuses.
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Service, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, logSample: newLogSampler(cfg.EvalLogEvery)}
	s.browser = newBrowserGuard(cfg.AllowedHosts, cfg.TrustedOrigins)
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody == 0 {
		s.maxBody = 1 << 20
	}
	s.defaultEnv = cfg.DefaultEnvironment
	if s.defaultEnv == "" {
		s.defaultEnv = "production"
	}
	if cfg.WriteRate > 0 {
		s.limiter = newLimiter("write-rate", "changes", cfg.WriteRate, max(cfg.WriteBurst, 1), time.Now)
	}
	s.setEvalLimits(cfg)
	s.metrics = newMetrics(cfg.Version, cfg.Commit, s.flagCount, s.ready, s.invalidFlags)
	s.proxies = proxies(cfg.TrustedProxies)
	s.access = newAccessLog(s.log, cfg.Version, s.proxies)
	s.live = newLive(s.svc, s.metrics, cfg.StreamHeartbeat, cfg.Streams, s.proxies)
	s.setupUsage(cfg)
	s.handler = s.middleware(s.routes())
	s.openapi = buildOpenAPI(s.table, cfg.Version)
	return s
}

// middleware wraps the routes in what every request goes through: its id,
// log line and metrics, the Host check and compression.
func (s *Server) middleware(routes http.Handler) http.Handler {
	return s.observe(s.browser.hostGuard(compress(routes)))
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close ends every event stream and stops publishing changes to them. Call
// it before http.Server.Shutdown, which open streams would otherwise hold
// up until its deadline; the server keeps serving everything else.
func (s *Server) Close() { s.live.close() }

type route struct {
	method, pattern string
	perm            auth.Permission
	handler         http.HandlerFunc
}

// Route is one entry of the route table, for tests and documentation.
type Route struct {
	Method, Pattern string
	Permission      auth.Permission
}

// Routes returns the route table.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.table))
	for i, rt := range s.table {
		out[i] = Route{rt.method, rt.pattern, rt.perm}
	}
	return out
}

// Shorthands for the route table.
const (
	public   = auth.Public
	evaluate = auth.Evaluate
	rules    = auth.Rules
	read     = auth.Read
	write    = auth.Write
	admin    = auth.Admin
)

// routes builds the one route table, in which each route declares the
// permission it needs (see guard). Each path also gets a catch-all that
// answers 405 with the methods it allows, and unknown paths answer 404, both
// as JSON.
func (s *Server) routes() http.Handler {
	// The web UI: its files under /ui/ and (catch-all below) its page at /.
	// Public: the page holds no data; it calls the API with a person's token.
	page := ui.Handler().ServeHTTP
	s.table = append(s.routeTable(page), s.usageRoutes()...)
	s.table = append(s.table, s.webhookRoutes()...)
	s.table = append(s.table, s.scheduleRoutes()...)
	s.table = append(s.table, s.promoteRoutes()...)
	return s.mux(page)
}

// mux serves the table's routes, a 405 naming the allowed methods for
// another method on a known path, the UI page at / and 404 elsewhere.
func (s *Server) mux(page http.HandlerFunc) http.Handler {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var order []string
	var single, bulk http.HandlerFunc
	for _, rt := range s.table {
		h := s.guard(rt)
		mux.HandleFunc(rt.method+" "+rt.pattern, h)
		if rt.method == http.MethodPost && rt.pattern == evalPrefix+"{key}" {
			single = h
		} else if rt.method == http.MethodPost && rt.pattern == evalAllPath {
			bulk = h
		}
		if _, ok := allowed[rt.pattern]; !ok {
			order = append(order, rt.pattern)
		}
		allowed[rt.pattern] = append(allowed[rt.pattern], rt.method)
		if rt.method == "GET" {
			allowed[rt.pattern] = append(allowed[rt.pattern], "HEAD")
		}
	}
	for _, p := range order {
		allow := strings.Join(allowed[p], ", ")
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			httpx.Error(w, r, ff.Errorf(ff.EMETHOD, "method %s is not allowed here; use %s", r.Method, allow))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			page(w, r)
			return
		}
		httpx.Error(w, r, ff.Errorf(ff.ENOTFOUND, "no such endpoint: %s", r.URL.Path))
	})
	return evalRoutes(mux, single, bulk)
}

// The paths of the evaluation routes: bulk, and single under the prefix.
const (
	evalAllPath = "/ofrep/v1/evaluate/flags"
	evalPrefix  = evalAllPath + "/"
)

// evalRoutes serves the two evaluation routes without asking mux, and
// everything else through it. ServeMux cleans, escapes and unescapes the
// path and walks its tree for every request, which cost a single
// evaluation more than evaluating.
func evalRoutes(mux *http.ServeMux, single, bulk http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch evalRoute(r) {
		case evalBulk:
			r.Pattern = "POST " + evalAllPath
			bulk(w, r)
		case evalSingle:
			r.Pattern = "POST " + evalPrefix + "{key}"
			single(w, r)
		default:
			mux.ServeHTTP(w, r)
		}
	})
}

// The routes evalRoute tells apart.
const (
	notEval = iota
	evalBulk
	evalSingle
)

// evalRoute tells which evaluation route serves r without mux, if any. A
// path mux would treat otherwise (an escaped or empty key, one holding a
// slash, a dot segment) is left to mux, so that both routes answer
// exactly what mux would.
func evalRoute(r *http.Request) int {
	if r.Method != http.MethodPost || r.URL.RawPath != "" {
		return notEval
	}
	if r.URL.Path == evalAllPath {
		return evalBulk
	}
	if key, ok := strings.CutPrefix(r.URL.Path, evalPrefix); ok && plainSegment(key) {
		return evalSingle
	}
	return notEval
}

// evalKey is the flag key of a single evaluation: the rest of the path
// after evalPrefix, which is what ServeMux gives as {key} on the requests
// it routes there, since it matches the unescaped segments of the path
// (TestEvalRoutesAsMux), and which costs ServeMux's path values nothing.
func evalKey(r *http.Request) string { return strings.TrimPrefix(r.URL.Path, evalPrefix) }

// plainSegment reports whether s is a path segment that ServeMux would
// match as it is: not empty, no slash, not a dot segment.
func plainSegment(s string) bool {
	return s != "" && s != "." && s != ".." && strings.IndexByte(s, '/') < 0
}

// routeTable is every route with the permission it needs; page serves the
// web UI. Each route has its documentation in a *_doc.go file (openapi.go).
func (s *Server) routeTable(page http.HandlerFunc) []route {
	return []route{
		{"GET", "/flags", read, s.listFlags},
		{"POST", "/flags", write, s.createFlag},
		{"GET", "/flags/{id}", read, s.getFlag},
		{"PUT", "/flags/{id}", write, s.updateFlag},
		{"DELETE", "/flags/{id}", write, s.deleteFlag},
		{"POST", "/flags/{id}/toggle", write, s.toggleFlag},
		{"PUT", "/flags/{id}/targeting/{environment}", write, s.putTargeting},
		{"DELETE", "/flags/{id}/targeting/{environment}", write, s.deleteTargeting},
		{"GET", "/flags/{id}/history", read, s.flagHistory},
		{"POST", "/flags/{id}/explain", read, s.explainFlag},
		{"POST", "/flags/{id}/revert", write, s.revertFlag},

		{"GET", "/segments", read, s.listSegments},
		{"POST", "/segments", write, s.createSegment},
		{"GET", "/segments/{id}", read, s.getSegment},
		{"PUT", "/segments/{id}", write, s.updateSegment},
		{"DELETE", "/segments/{id}", write, s.deleteSegment},
		{"GET", "/segments/{id}/used-by", read, s.segmentUsedBy},
		{"GET", "/segment-users", read, s.allSegmentUsers},

		{"GET", "/environments", read, s.listEnvironments},
		{"POST", "/environments", admin, s.createEnvironment},
		{"DELETE", "/environments/{name}", admin, s.deleteEnvironment},
		{"PATCH", "/environments/{name}", admin, s.updateEnvironment},

		// Change requests (approvals.go).
		{"GET", "/change-requests", read, s.listChangeRequests},
		{"POST", "/change-requests", write, s.createChangeRequest},
		{"GET", "/change-requests/{id}", read, s.getChangeRequest},
		{"PATCH", "/change-requests/{id}", write, s.editChangeRequest},
		{"POST", "/change-requests/{id}/approve", write, s.approveChangeRequest},
		{"POST", "/change-requests/{id}/reject", write, s.rejectChangeRequest},
		{"POST", "/change-requests/{id}/apply", write, s.applyChangeRequest},

		{"GET", "/tokens", admin, s.listTokens},
		{"POST", "/tokens", admin, s.createToken},
		{"DELETE", "/tokens/{id}", admin, s.revokeToken},

		{"GET", "/export", read, s.exportData},
		{"POST", "/import", admin, s.importData},
		{"POST", "/apply", admin, s.apply},
		{"GET", "/audit", read, s.listAudit},
		{"GET", "/me", read, s.me},

		{"POST", evalPrefix + "{key}", evaluate, s.ofrepEvaluate},
		{"OPTIONS", evalPrefix + "{key}", public, s.ofrepPreflight},
		{"POST", evalAllPath, evaluate, s.ofrepEvaluateAll},
		{"OPTIONS", evalAllPath, public, s.ofrepPreflight},

		// Live updates (live.go).
		{"GET", wire.StreamPath, rules, s.sdkStream},
		{"GET", wire.ConfigPath, rules, s.sdkConfig},
		{"GET", wire.OFREPEventsPath, evaluate, s.ofrepEvents},
		{"OPTIONS", wire.OFREPEventsPath, public, s.ofrepPreflight},
		{"GET", EventsPath, read, s.events},

		{"GET", "/healthz", public, s.healthz},
		{"GET", "/readyz", public, s.readyz},
		{"GET", metricsPath, read, s.metrics.handler().ServeHTTP},

		{"GET", "/ui/", public, page},
		{"GET", OpenAPIPath, public, s.serveOpenAPI},
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	status, why, err := s.readiness(r.Context())
	if err != nil {
		// The probe is public: the driver's text (addresses, user names)
		// goes to the log, not to the caller.
		httpx.Log(r, "store unreachable", err)
	}
	if status != "ready" {
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": status, "error": why})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": status})
}

// readiness is what /readyz answers and the ready gauge shows: "ready",
// "degraded" (serving evaluations from the snapshot file) or "unavailable"
// (the store does not answer a ping within two seconds), with the reason a
// caller may see and the store's own error, for the log only.
func (s *Server) readiness(ctx context.Context) (status, why string, err error) {
	if why := s.svc.Degraded(); why != "" {
		return "degraded", why, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.svc.Store().Ping(ctx); err != nil {
		return "unavailable", "store unreachable: the store cannot be reached; the server log has the details", err
	}
	return "ready", "", nil
}

// ready feeds the ready gauge: 1 when /readyz would answer 200.
func (s *Server) ready() float64 {
	if status, _, _ := s.readiness(context.Background()); status == "ready" {
		return 1
	}
	return 0
}

// metricsPath serves the metrics, from the view only (see guard).
const metricsPath = "/metrics"

// flagCount feeds the flags gauge.
func (s *Server) flagCount() float64 { return float64(s.svc.FlagCount()) }
