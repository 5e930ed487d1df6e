package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Profiles. --debug-listen serves Go's pprof handlers on a separate
// listener, never on the API's: a profile shows code paths and memory, so
// it is only for whoever can reach a loopback port of the machine (as an
// operator with a shell or a port-forward can), and it is off by default.

// validateDebugListen accepts "" (off) or a loopback host:port.
func validateDebugListen(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-listen (FEATUREFLAGS_DEBUG_LISTEN) %q is not host:port: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--debug-listen (FEATUREFLAGS_DEBUG_LISTEN) %q must be a loopback address (127.0.0.1:PORT or [::1]:PORT): profiles are for the machine's operators only", addr)
	}
	return nil
}

// debugHandler serves the profiles under /debug/pprof/.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}

// startDebug serves the profiles when --debug-listen is set.
func (m *Main) startDebug() error {
	addr := m.Config.DebugListen
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--debug-listen %s: %w", addr, err)
	}
	if !isLoopback(ln.Addr()) {
		ln.Close()
		return fmt.Errorf("--debug-listen %s resolves to %s, not a loopback address", addr, ln.Addr())
	}
	// A CPU profile or trace runs for its ?seconds=, so no write timeout.
	m.debug = &http.Server{Addr: ln.Addr().String(), Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
	go m.debug.Serve(ln)
	m.Log.Info("serving profiles", "addr", ln.Addr().String()+"/debug/pprof/")
	return nil
}

// DebugAddr returns the address of the profiles' listener, or "".
func (m *Main) DebugAddr() string {
	if m.debug == nil {
		return ""
	}
	return m.debug.Addr
}

// stopDebug closes the profiles' listener and its connections.
func (m *Main) stopDebug() {
	if m.debug != nil {
		m.debug.Close()
	}
}
