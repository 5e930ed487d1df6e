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

	// The service exists before its store, which it may have to do
	// without for a while (see below); it closes the store last, after
	// every goroutine that uses it has stopped.
	svc := service.New(nil, service.WithLimits(cfg.limits()))
	background, stopBackground := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	defer func() {
		stopBackground()
		workers.Wait()
		svc.Store().Close()
	}()
	attach := func(ctx context.Context, st ff.Store) error {
		if err := svc.Attach(ctx, st); err != nil {
			st.Close()
			return fmt.Errorf("prepare store %s: %w", redact(cfg.Store), err)
		}
		return nil
	}
	ensureAdmin := func(ctx context.Context) error {
		if adminToken == "" {
			return nil
		}
		created, err := svc.EnsureAdminToken(auth.WithActor(ctx, ff.Actor{Type: "local", Name: adminTokenVariable}), adminToken)
		if errors.Is(err, service.ErrTokenRevoked) {
			log.Warn("the admin token " + adminTokenVariable + " gives has been revoked; it does not work")
		} else if err != nil {
			return fmt.Errorf("%s: %s", adminTokenVariable, describe(err))
		}
		if created {
			log.Info("created the admin token \"" + service.BootstrapTokenName + "\" from " + adminTokenVariable)
		}
		return nil
	}

	// Opening the store, in one of three ways:
	//   - When the store cannot be reached (EUNAVAILABLE) and the snapshot
	//     file exists, the server starts degraded: evaluation answers from
	//     the file, management requests and /readyz answer 503, and the
	//     store is retried in the background until it opens.
	//   - Otherwise, with --store-wait, the server listens first and
	//     answers 503 (but /healthz) until the store is there.
	//   - Otherwise a store that cannot be opened fails the start before
	//     anything listens.
	snapshotExists := cfg.SnapshotFile != "" && isFile(cfg.SnapshotFile)
	early := cfg.StoreWait > 0 && !snapshotExists
	degraded := false
	if !early {
		st, err := openStore(ctx, cfg.Store)
		if err == nil {
			err = attach(ctx, st)
		}
		if ff.ErrorCode(err) == ff.EUNAVAILABLE && snapshotExists {
			info, lerr := svc.LoadSnapshotFile(cfg.SnapshotFile)
			switch {
			case lerr == nil:
				degraded = true
				svc.ReportStoreError(err)
				log.Warn("the store is unreachable: serving evaluations from the snapshot file; management requests answer 503 until the store is back",
					"store", redact(cfg.Store), "snapshot_file", cfg.SnapshotFile, "saved_at", info.SavedAt.Format(time.RFC3339),
					"revision", info.Revision, "flags", info.Flags, "error", err.Error())
				err = nil
			case cfg.StoreWait > 0:
				log.Warn("the store is unreachable and the snapshot file cannot be used; waiting for the store", "snapshot_file", cfg.SnapshotFile, "error", lerr.Error())
				early, err = true, nil
			default:
				log.Warn("the snapshot file cannot be used", "snapshot_file", cfg.SnapshotFile, "error", lerr.Error())
			}
		}
		if err != nil {
			return err
		}
		if !early && !degraded {
			if err := ensureAdmin(ctx); err != nil {
				return err
			}
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
	var api *server.Server // live updates: its event streams end before Shutdown
	handler := func() http.Handler {
		api = server.New(server.Config{
			Service: svc, Logger: log, Version: version, MaxBodyBytes: cfg.MaxBodyBytes,
			DefaultEnvironment: cfg.DefaultEnvironment,
			WriteRate:          cfg.WriteRate, WriteBurst: cfg.WriteBurst,
			TrustedProxies: cfg.TrustedProxies,
		})
		return api
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
		if api != nil {
			api.Close() // live updates: open streams would hold Shutdown up
		}
		return srv.Shutdown(sctx)
	}
	if early {
		err := openStoreWaiting(ctx, cfg.Store, cfg.StoreWait, func(st ff.Store) error { return attach(ctx, st) }, func(err error, retryIn time.Duration) {
			sw.report(err)
			log.Warn("store not reachable yet; retrying", "store", redact(cfg.Store), "error", err.Error(), "retry_in", retryIn.String())
		})
		if err == nil {
			err = ensureAdmin(ctx)
		}
		if err == nil {
			err = checkExposure(cfg, ln.Addr(), svc, log)
		}
		if err != nil {
			_ = shutdown()
			return err
		}
		sw.set(handler())
	}
	if degraded {
		// The one retry loop, in the background: once the store opens,
		// Attach reloads the view, and everything follows it.
		workers.Go(func() {
			err := openStoreWaiting(background, cfg.Store, untilStopped, func(st ff.Store) error { return attach(background, st) }, func(err error, retryIn time.Duration) {
				svc.ReportStoreError(err)
				log.Warn("the store is still unreachable: serving evaluations from the snapshot file; retrying",
					"store", redact(cfg.Store), "error", err.Error(), "retry_in", retryIn.String())
			})
			if err != nil {
				if background.Err() == nil {
					svc.ReportStoreError(err)
					log.Error("the store cannot be used: serving evaluations from the snapshot file until restarted", "store", redact(cfg.Store), "error", err.Error())
				}
				return
			}
			log.Info("the store is back: management requests work again", "store", redact(cfg.Store), "revision", svc.Snapshot().Revision())
			if err := ensureAdmin(background); err != nil {
				log.Warn("making sure the admin token exists failed", "error", err.Error())
			}
		})
	}
	if cfg.SnapshotFile != "" {
		workers.Go(func() {
			svc.SaveSnapshots(background, cfg.SnapshotFile, func(err error) {
				log.Warn("keeping the snapshot file failed; retrying", "error", err.Error())
			})
		})
	}

	workers.Go(func() {
		svc.FlushTokenUseEvery(background, tokenFlushInterval, func(err error) {
			log.Warn("recording token use failed; retrying later", "error", err.Error())
		})
	})
	// Live updates: other replicas' changes as the store announces them
	// (PostgreSQL, MongoDB; it returns at once for SQLite).
	workers.Go(func() {
		svc.Follow(background, func(err error) {
			log.Warn("following the store's changes failed; reconnecting", "error", err.Error())
		})
	})
	if cfg.RefreshInterval > 0 {
		workers.Go(func() {
			svc.Poll(background, cfg.RefreshInterval, func(err error) {
				log.Debug("refreshing from the store failed", "error", err.Error())
			})
		})
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	err = shutdown()
	// Stopping the background work writes the snapshot file a last time.
	stopBackground()
	workers.Wait()
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

// isFile reports whether path names a regular file.
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
