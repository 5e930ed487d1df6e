package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/logbuf"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/view/snapfile"
)

// adminTokenVariable holds an admin token's secret the server makes sure
// exists at start. It is read from the environment only, never from the
// command line, where other users of the machine could see it.
const adminTokenVariable = "FEATUREFLAGS_ADMIN_TOKEN"

// serve runs `featureflags serve` until ctx ends.
func serve(ctx context.Context, args []string, stderr io.Writer) error {
	logs := logbuf.New(stderr) // log lines leave in batches (README: Logs)
	defer logs.Close()
	m, err := NewMain(args, os.Getenv, logs)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	return m.Run(ctx)
}

// Main is one run of the server: NewMain parses the configuration, Open
// opens the store and starts serving in one of three ways (see Open), Run
// serves until its context ends and Close stops everything. Tests run it
// in-process.
type Main struct {
	Config     config
	AdminToken string // FEATUREFLAGS_ADMIN_TOKEN
	Log        *slog.Logger

	svc    *service.Service
	ln     net.Listener
	sw     *handlerSwitch
	http   *http.Server
	api    *server.Server // its event streams end before Shutdown
	served chan error     // what http.Server.Serve returned
	debug  *http.Server   // --debug-listen's profiles (debug.go)

	// background is the context of the work beside serving requests
	// (workers), which ends before the store is closed.
	background     context.Context
	stopBackground context.CancelFunc
	workers        sync.WaitGroup
}

// NewMain reads the configuration of `serve` from args and getenv; logs go
// to stderr. It answers flag.ErrHelp after printing the help.
func NewMain(args []string, getenv func(string) string, stderr io.Writer) (*Main, error) {
	cfg, err := parseConfig("serve", args, getenv, stderr)
	if err != nil {
		return nil, err
	}
	m := &Main{Config: cfg, AdminToken: getenv(adminTokenVariable), Log: cfg.logger(stderr)}
	if m.AdminToken != "" {
		if why := weakSecret(m.AdminToken); why != "" {
			return nil, fmt.Errorf("%s is too weak: %s; use a random one, e.g. from 'openssl rand -base64 32'", adminTokenVariable, why)
		}
	}
	return m, nil
}

// Addr returns the address the server listens on, once Open returned.
func (m *Main) Addr() net.Addr { return m.ln.Addr() }

// Open opens the store and starts serving, in one of three ways:
//   - When the store cannot be reached (EUNAVAILABLE) and the snapshot
//     file exists, the server starts degraded (startDegraded).
//   - Otherwise, with --store-wait, the server listens first and answers
//     503 (but /healthz) until the store is there (startWaiting).
//   - Otherwise a store that cannot be opened fails the start before
//     anything listens (startReady).
//
// Should it fail, everything it started is stopped.
func (m *Main) Open(ctx context.Context) error {
	// The service exists before its store, which it may have to do
	// without for a while; the store is closed last, after every worker
	// that uses it has stopped.
	eval.SetMaxRegexProgram(m.Config.MaxRegexProgram) // before any flag compiles
	eval.SetMaxRegexTotal(m.Config.MaxRegexTotal)
	eval.SetMaxMatchInput(m.Config.MaxMatchInput)
	eval.SetMaxEvalWork(m.Config.MaxEvalWork)
	m.svc = service.New(nil, service.WithLimits(m.Config.Limits), service.WithAuditRetention(m.Config.AuditRetention), service.WithLogger(m.Log),
		service.WithWebhooks(m.Config.Webhooks.service()))
	m.background, m.stopBackground = context.WithCancel(context.Background())
	m.sw = &handlerSwitch{}
	m.served = make(chan error, 1)
	if err := m.startDebug(); err != nil {
		m.stopWorkers()
		return err
	}
	if err := m.open(ctx); err != nil {
		m.stopDebug()
		m.stopWorkers()
		return err
	}
	return nil
}

func (m *Main) open(ctx context.Context) error {
	cfg := m.Config
	snapshotExists := cfg.SnapshotFile != "" && isFile(cfg.SnapshotFile)
	if cfg.StoreWait > 0 && !snapshotExists {
		return m.startWaiting(ctx)
	}
	err := m.attach(ctx, nil)
	if ff.ErrorCode(err) == ff.EUNAVAILABLE && snapshotExists {
		info, lerr := m.svc.LoadSnapshotFile(cfg.SnapshotFile)
		switch {
		case lerr == nil:
			return m.startDegraded(err, info)
		case cfg.StoreWait > 0:
			m.Log.Warn("the store is unreachable and the snapshot file cannot be used; waiting for the store", "snapshot_file", cfg.SnapshotFile, "error", lerr.Error())
			return m.startWaiting(ctx)
		default:
			m.Log.Warn("the snapshot file cannot be used", "snapshot_file", cfg.SnapshotFile, "error", lerr.Error())
		}
	}
	if err != nil {
		return err
	}
	return m.startReady(ctx)
}

// startReady serves with the store open.
func (m *Main) startReady(ctx context.Context) error {
	if err := m.ensureAdmin(ctx); err != nil {
		return err
	}
	if err := m.listen(); err != nil {
		return err
	}
	m.serveAPI()
	m.startWorkers()
	return nil
}

// startDegraded serves evaluations from the snapshot file, the view the
// service has, while management requests and /readyz answer 503; the store
// is retried in the background until it opens.
func (m *Main) startDegraded(storeErr error, info snapfile.Info) error {
	m.svc.ReportStoreError(storeErr)
	m.Log.Warn("the store is unreachable: serving evaluations from the snapshot file; management requests answer 503 until the store is back",
		"store", redact(m.Config.Store), "snapshot_file", m.Config.SnapshotFile, "saved_at", info.SavedAt.Format(time.RFC3339),
		"revision", info.Revision, "flags", info.Flags, "error", storeErr.Error())
	if err := m.listen(); err != nil {
		return err
	}
	m.serveAPI()
	m.workers.Go(m.reattach)
	m.startWorkers()
	return nil
}

// startWaiting listens at once, answering 503 (but /healthz) until the
// store opens within --store-wait.
func (m *Main) startWaiting(ctx context.Context) error {
	var err error
	if m.ln, err = net.Listen("tcp", m.Config.Listen); err != nil {
		return fmt.Errorf("--listen %s: %w", m.Config.Listen, err)
	}
	m.startHTTP()
	err = openStoreWaiting(ctx, m.Config.Store, m.Config.StoreWait, func(st ff.Store) error { return m.attach(ctx, st) }, func(err error, retryIn time.Duration) {
		m.sw.report(err)
		m.Log.Warn("store not reachable yet; retrying", "store", redact(m.Config.Store), "error", err.Error(), "retry_in", retryIn.String())
	})
	if err == nil {
		err = m.ensureAdmin(ctx)
	}
	if err == nil {
		err = m.checkExposure()
	}
	if err != nil {
		_ = m.shutdown()
		return err
	}
	m.sw.set(m.newAPI())
	m.startWorkers()
	return nil
}

// attach gives the service st, or (st nil) the store --store opens; it
// closes a store it cannot use.
func (m *Main) attach(ctx context.Context, st ff.Store) error {
	if st == nil {
		var err error
		if st, err = openStore(ctx, m.Config.Store); err != nil {
			return err
		}
	}
	if err := m.svc.Attach(ctx, st); err != nil {
		st.Close()
		return fmt.Errorf("prepare store %s: %w", redact(m.Config.Store), err)
	}
	return nil
}

// reattach retries the store in the background while the server serves
// from the snapshot file: once it opens, Attach reloads the view, and
// everything follows it.
func (m *Main) reattach() {
	ctx, store := m.background, redact(m.Config.Store)
	err := openStoreWaiting(ctx, m.Config.Store, untilStopped, func(st ff.Store) error { return m.attach(ctx, st) }, func(err error, retryIn time.Duration) {
		m.svc.ReportStoreError(err)
		m.Log.Warn("the store is still unreachable: serving evaluations from the snapshot file; retrying",
			"store", store, "error", err.Error(), "retry_in", retryIn.String())
	})
	if err != nil {
		if ctx.Err() == nil {
			m.svc.ReportStoreError(err)
			m.Log.Error("the store cannot be used: serving evaluations from the snapshot file until restarted", "store", store, "error", err.Error())
		}
		return
	}
	m.Log.Info("the store is back: management requests work again", "store", store, "revision", m.svc.Snapshot().Revision())
	if err := m.ensureAdmin(ctx); err != nil {
		m.Log.Warn("making sure the admin token exists failed", "error", err.Error())
	}
}

// ensureAdmin makes sure the admin token FEATUREFLAGS_ADMIN_TOKEN gives
// exists, if it gives one.
func (m *Main) ensureAdmin(ctx context.Context) error {
	if m.AdminToken == "" {
		return nil
	}
	created, err := m.svc.EnsureAdminToken(auth.WithActor(ctx, ff.Actor{Type: "local", Name: adminTokenVariable}), m.AdminToken)
	if errors.Is(err, service.ErrTokenRevoked) {
		m.Log.Warn("the admin token " + adminTokenVariable + " gives has been revoked; it does not work")
	} else if err != nil {
		return fmt.Errorf("%s: %s", adminTokenVariable, describe(err))
	}
	if created {
		m.Log.Info("created the admin token \"" + service.BootstrapTokenName + "\" from " + adminTokenVariable)
	}
	return nil
}

// listen opens the listener, refusing to expose the server without access
// control (checkExposure).
func (m *Main) listen() error {
	ln, err := net.Listen("tcp", m.Config.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", m.Config.Listen, err)
	}
	m.ln = ln
	if err := m.checkExposure(); err != nil {
		ln.Close()
		return err
	}
	return nil
}

// serveAPI serves the API on the listener.
func (m *Main) serveAPI() {
	m.sw.set(m.newAPI())
	releaseLoadGarbage()
	m.startHTTP()
}

func (m *Main) newAPI() http.Handler {
	cfg := m.Config
	hosts, origins := hostAllowList(cfg.Listen, m.ln.Addr(), cfg.allowedHosts())
	m.api = server.New(server.Config{
		Service: m.svc, Logger: m.Log, Version: version, Commit: commit, MaxBodyBytes: cfg.MaxBodyBytes,
		AllowedHosts: hosts, TrustedOrigins: origins,
		DefaultEnvironment: cfg.DefaultEnvironment,
		WriteRate:          cfg.WriteRate, WriteBurst: cfg.WriteBurst,
		StreamHeartbeat: cfg.StreamHeartbeat, TrustedProxies: cfg.TrustedProxies, EvalLogEvery: cfg.EvalLogEvery,
		Streams: cfg.Streams, EvalRate: cfg.EvalRate, EvalBurst: cfg.EvalBurst,
		MaxContextBytes: cfg.MaxContextBytes, MaxDepth: cfg.Limits.Depth,
		Usage: cfg.Usage.server(),
	})
	return m.api
}

// startHTTP serves whatever the handler switch holds on the listener,
// with the garbage collector's floor set for the heap as it is then.
func (m *Main) startHTTP() {
	cfg := m.Config
	m.keepGCFloor(m.background)
	m.http = &http.Server{
		Handler:           m.sw,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		// net/http's own error lines go through the configured logger.
		ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelError),
	}
	ln := server.Listener(m.ln, cfg.MaxHeaderBytes) // its own error answers as JSON
	go func() { m.served <- m.http.Serve(ln) }()
	m.Log.Info("serving", "addr", m.ln.Addr().String(), "store", redact(cfg.Store), "version", version)
}

// Run serves until ctx ends, and then closes; it returns early should
// serving fail.
func (m *Main) Run(ctx context.Context) error {
	select {
	case err := <-m.served:
		m.stopWorkers()
		return err
	case <-ctx.Done():
	}
	return m.Close()
}

// Close stops serving within --shutdown-timeout, stops the background
// work (which writes the snapshot file a last time), records token use and
// closes the store.
func (m *Main) Close() error {
	err := m.shutdown()
	m.stopDebug()
	m.stopBackground()
	m.workers.Wait()
	fctx, cancel := context.WithTimeout(context.Background(), m.Config.TokenFlushTimeout)
	defer cancel()
	if ferr := m.svc.FlushTokenUse(fctx); ferr != nil {
		m.Log.Warn("recording token use at shutdown failed", "error", ferr.Error())
	}
	m.flushUsage(fctx)
	m.svc.Store().Close()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	m.Log.Info("stopped")
	return nil
}

// shutdown stops serving requests within --shutdown-timeout.
func (m *Main) shutdown() error {
	m.Log.Info("shutting down", "timeout", m.Config.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	if m.api != nil {
		m.api.Close() // live updates: open streams would hold Shutdown up
	}
	return m.http.Shutdown(ctx)
}

// checkExposure refuses to serve a non-loopback address without access
// control unless --insecure says so. Access control is on once the store
// holds a token (FEATUREFLAGS_ADMIN_TOKEN makes one), and stays on.
func (m *Main) checkExposure() error {
	addr, log := m.ln.Addr(), m.Log
	if m.svc.AuthRequired() {
		log.Info("access control is on: requests need a token")
		return nil
	}
	if isLoopback(addr) {
		log.Info("access control is off until the first token is created: every request acts as \"local\"; only this machine can connect")
		return nil
	}
	if !m.Config.Insecure {
		return fmt.Errorf("refusing to serve %s without access control: the store has no API token. "+
			"Create one with 'featureflags token create --role admin' or set %s, "+
			"listen on a loopback address (--listen 127.0.0.1:8080), or pass --insecure to serve everyone without a token",
			addr, adminTokenVariable)
	}
	log.Warn("access control is off and the server listens on " + addr.String() + " (--insecure): anyone who can connect may change anything")
	return nil
}

// isFile reports whether path names a regular file.
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
