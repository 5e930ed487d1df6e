package main

import (
	"context"
	"time"
)

// The background work of a running server: following the store, flushing
// token use, saving the snapshot file, pruning the audit log.

// startWorkers starts the work beside serving requests: keeping the
// snapshot file, recording token use, and following other replicas'
// changes as the store announces them (PostgreSQL, MongoDB; it returns at
// once for SQLite) and by polling.
func (m *Main) startWorkers() {
	ctx, cfg, log := m.background, m.Config, m.Log
	if cfg.SnapshotFile != "" {
		m.workers.Go(func() {
			m.svc.SaveSnapshots(ctx, cfg.SnapshotFile, func(err error) {
				log.Warn("keeping the snapshot file failed; retrying", "error", err.Error())
			})
		})
	}
	m.workers.Go(func() {
		every(ctx, cfg.TokenFlushInterval, m.svc.FlushTokenUse, func(err error) {
			log.Warn("recording token use failed; retrying later", "error", err.Error())
		})
	})
	m.startUsage(ctx)
	m.startWebhooks(ctx)
	m.startSchedules(ctx)
	m.workers.Go(func() {
		m.svc.Follow(ctx, func(err error) {
			log.Warn("following the store's changes failed; reconnecting", "error", err.Error())
		})
	})
	if !cfg.AuditRetention.Off() {
		m.workers.Go(func() {
			report := func(err error) { log.Warn("pruning the audit log failed; retrying later", "error", err.Error()) }
			if err := m.pruneAudit(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
			every(ctx, cfg.AuditPruneInterval, m.pruneAudit, report)
		})
	}
	if cfg.RefreshInterval > 0 {
		m.workers.Go(func() {
			every(ctx, cfg.RefreshInterval, m.poll, func(err error) {
				log.Debug("refreshing from the store failed", "error", err.Error())
			})
		})
	}
}

// pruneAudit enforces --audit-retention and --audit-max-events once.
func (m *Main) pruneAudit(ctx context.Context) error {
	n, err := m.svc.PruneAudit(ctx)
	if n > 0 {
		m.Log.Info("pruned the audit log", "deleted", n)
	}
	return err
}

// poll brings the view up to date with the store, so that changes made
// through other processes (a flag toggled, a key revoked) reach
// evaluation, which never reads the store itself.
func (m *Main) poll(ctx context.Context) error {
	_, err := m.svc.Current(ctx)
	return err
}

// stopWorkers stops the background work and closes the store.
func (m *Main) stopWorkers() {
	m.stopBackground()
	m.workers.Wait()
	m.svc.Store().Close()
}

// every runs fn every interval until ctx ends, telling report of failures
// that are not just ctx ending.
func every(ctx context.Context, interval time.Duration, fn func(context.Context) error, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}
