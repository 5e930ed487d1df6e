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
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
)

// adminTokenVariable holds an admin token's secret the server makes sure
// exists at start. It is read from the environment only, never from the
// command line, where other users of the machine could see it.
const adminTokenVariable = "FEATUREFLAGS_ADMIN_TOKEN"

// Token use is written to the store this often, and once more at shutdown
// within tokenFlushTimeout.
const (
	tokenFlushInterval = 30 * time.Second
	tokenFlushTimeout  = 5 * time.Second
)

// maxHeaderBytes bounds a request's headers.
const maxHeaderBytes = 64 << 10

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	adminToken := os.Getenv(adminTokenVariable)
	if adminToken != "" && len(adminToken) < auth.MinSecretLength {
		return fmt.Errorf("%s is too short: an admin token must be at least %d characters (e.g. from 'openssl rand -base64 32')", adminTokenVariable, auth.MinSecretLength)
	}
	log := cfg.logger(stderr)

	// Opening the store: with --store-wait the server listens first and
	// answers 503 (but /healthz) until the store is there; without it a
	// store that cannot be opened fails the start before anything listens.
	var store ff.Store
	defer func() {
		if store != nil {
			store.Close()
		}
	}()
	var svc *service.Service
	prepare := func(report func(error)) error {
		s, err := openStoreWaiting(ctx, cfg.Store, cfg.StoreWait, log, report)
		if err != nil {
			return err
		}
		store = s
		svc = service.New(store, service.WithLimits(cfg.limits()))
		if err := svc.Init(ctx); err != nil {
			return fmt.Errorf("prepare store %s: %w", redact(cfg.Store), err)
		}
		if adminToken != "" {
			created, err := svc.EnsureAdminToken(auth.WithActor(ctx, ff.Actor{Type: "local", Name: adminTokenVariable}), adminToken)
			if errors.Is(err, service.ErrTokenRevoked) {
				log.Warn("the admin token " + adminTokenVariable + " gives has been revoked; it does not work")
			} else if err != nil {
				return fmt.Errorf("%s: %s", adminTokenVariable, describe(err))
			}
			if created {
				log.Info("created the admin token \"" + service.BootstrapTokenName + "\" from " + adminTokenVariable)
			}
		}
		return nil
	}
	early := cfg.StoreWait > 0
	if !early {
		if err := prepare(func(error) {}); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Listen, err)
	}
	if !early {
		if err := checkExposure(cfg, ln.Addr(), svc, log); err != nil {
			ln.Close()
			return err
		}
	}
	sw := &handlerSwitch{}
	srv := &http.Server{
		Handler:           sw,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          nil,
	}
	handler := func() http.Handler {
		return server.New(server.Config{
			Service: svc, Logger: log, Version: version, MaxBodyBytes: cfg.MaxBodyBytes,
			DefaultEnvironment: cfg.DefaultEnvironment,
			WriteRate:          cfg.WriteRate, WriteBurst: cfg.WriteBurst,
		})
	}
	if !early {
		sw.set(handler())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "store", redact(cfg.Store), "version", version)
	shutdown := func() error {
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	}
	if early {
		err := prepare(sw.report)
		if err == nil {
			err = checkExposure(cfg, ln.Addr(), svc, log)
		}
		if err != nil {
			_ = shutdown()
			return err
		}
		sw.set(handler())
	}

	background, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	go svc.FlushTokenUseEvery(background, tokenFlushInterval, func(err error) {
		log.Warn("recording token use failed; retrying later", "error", err.Error())
	})
	if cfg.RefreshInterval > 0 {
		go svc.Poll(background, cfg.RefreshInterval, func(err error) {
			log.Debug("refreshing from the store failed", "error", err.Error())
		})
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	err = shutdown()
	stopBackground()
	fctx, cancel := context.WithTimeout(context.Background(), tokenFlushTimeout)
	defer cancel()
	if ferr := svc.FlushTokenUse(fctx); ferr != nil {
		log.Warn("recording token use at shutdown failed", "error", ferr.Error())
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// checkExposure refuses to serve a non-loopback address without access
// control unless --insecure says so. Access control is on once the store
// holds a token (FEATUREFLAGS_ADMIN_TOKEN makes one), and stays on.
func checkExposure(cfg config, addr net.Addr, svc *service.Service, log *slog.Logger) error {
	if svc.AuthRequired() {
		log.Info("access control is on: requests need a token")
		return nil
	}
	if isLoopback(addr) {
		log.Info("access control is off until the first token is created: every request acts as \"local\"; only this machine can connect")
		return nil
	}
	if !cfg.Insecure {
		return fmt.Errorf("refusing to serve %s without access control: the store has no API token. "+
			"Create one with 'featureflags token create --role admin' or set %s, "+
			"listen on a loopback address (--listen 127.0.0.1:8080), or pass --insecure to serve everyone without a token",
			addr, adminTokenVariable)
	}
	log.Warn("access control is off and the server listens on " + addr.String() + " (--insecure): anyone who can connect may change anything")
	return nil
}

// isLoopback reports whether addr is a loopback address only.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
