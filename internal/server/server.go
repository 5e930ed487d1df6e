// Package server is the HTTP face of the flag service: one route table, one
// way to decode requests and one to answer errors, and the middleware that
// gives every request an id, a log line and metrics.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/featureflags/featureflags/internal/service"
)

// Config configures a Server.
type Config struct {
	Service *service.Service
	Logger  *slog.Logger
	Version string
	// MaxBodyBytes bounds request bodies; 1 MiB when zero.
	MaxBodyBytes int64
	// DefaultEnvironment is where OFREP requests without an X-Environment
	// header evaluate; "production" when empty.
	DefaultEnvironment string
}

// Server serves the API.
type Server struct {
	svc     *service.Service
	log     *slog.Logger
	metrics *metrics
	maxBody int64
	handler http.Handler
	// defaultEnv is Config.DefaultEnvironment.
	defaultEnv string
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Service, log: cfg.Logger, maxBody: cfg.MaxBodyBytes}
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
	s.metrics = newMetrics(cfg.Version, s.flagCount)
	s.handler = s.observe(s.routes())
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

type route struct {
	method, pattern string
	handler         http.HandlerFunc
}

// routes builds the one route table. Each path also gets a catch-all that
// answers 405 with the methods it allows, and unknown paths answer 404, both
// as JSON.
func (s *Server) routes() http.Handler {
	table := []route{
		{"GET", "/flags", s.listFlags},
		{"POST", "/flags", s.createFlag},
		{"GET", "/flags/{id}", s.getFlag},
		{"PUT", "/flags/{id}", s.updateFlag},
		{"DELETE", "/flags/{id}", s.deleteFlag},
		{"POST", "/flags/{id}/toggle", s.toggleFlag},
		{"PUT", "/flags/{id}/targeting/{environment}", s.putTargeting},
		{"DELETE", "/flags/{id}/targeting/{environment}", s.deleteTargeting},

		{"GET", "/segments", s.listSegments},
		{"POST", "/segments", s.createSegment},
		{"GET", "/segments/{id}", s.getSegment},
		{"PUT", "/segments/{id}", s.updateSegment},
		{"DELETE", "/segments/{id}", s.deleteSegment},

		{"GET", "/environments", s.listEnvironments},
		{"POST", "/environments", s.createEnvironment},
		{"DELETE", "/environments/{name}", s.deleteEnvironment},

		{"POST", "/ofrep/v1/evaluate/flags/{key}", s.ofrepEvaluate},
		{"OPTIONS", "/ofrep/v1/evaluate/flags/{key}", s.ofrepPreflight},
		{"POST", "/ofrep/v1/evaluate/flags", s.ofrepEvaluateAll},
		{"OPTIONS", "/ofrep/v1/evaluate/flags", s.ofrepPreflight},

		{"GET", "/healthz", s.healthz},
		{"GET", "/readyz", s.readyz},
		{"GET", "/metrics", s.metrics.handler().ServeHTTP},
	}
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	var order []string
	for _, rt := range table {
		mux.HandleFunc(rt.method+" "+rt.pattern, rt.handler)
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
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method " + r.Method + " is not allowed here; use " + allow})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "no such endpoint: " + r.URL.Path})
	})
	return mux
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Store().Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "the store cannot be reached: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// flagCount feeds the flags gauge.
func (s *Server) flagCount() float64 { return float64(s.svc.FlagCount()) }
