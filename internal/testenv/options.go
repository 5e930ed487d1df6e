package testenv

import (
	"net/http"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
)

// Option configures Start.
type Option func(*options)

type options struct {
	open      func(testing.TB) ff.Store
	owned     bool // the caller closes the store
	auth      bool
	follow    bool
	limits    service.Limits
	webhooks  *service.WebhookSettings
	configure []func(*server.Config)
	wrap      func(http.Handler) http.Handler
}

// store opens the chosen store; Start closes it unless the caller owns it.
func (o options) store(t testing.TB) ff.Store {
	st := o.open(t)
	if !o.owned {
		t.Cleanup(func() { st.Close() })
	}
	return st
}

// OnStore serves st, which the caller opened and closes (after the test's
// server stops: register its Close before calling Start).
func OnStore(st ff.Store) Option {
	return func(o *options) { o.open, o.owned = func(testing.TB) ff.Store { return st }, true }
}

// OnPostgres serves a fresh PostgreSQL database (pgtest.URL: skipped
// unless FEATUREFLAGS_TEST_POSTGRES_URL is set).
func OnPostgres() Option { return func(o *options) { o.open = openPostgres } }

// WithAuth switches access control on: an admin token is created and the
// server's client sends it.
func WithAuth() Option { return func(o *options) { o.auth = true } }

// Following makes the service follow its store's changes as `featureflags
// serve` does, without polling: other processes' changes arrive only as
// the store announces them.
func Following() Option { return func(o *options) { o.follow = true } }

// WithLimits sets the service's limits.
func WithLimits(l service.Limits) Option { return func(o *options) { o.limits = l } }

// WithConfig changes the server's configuration.
func WithConfig(f func(*server.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, f) }
}

// WithHandler wraps the server's handler, to play a server that differs.
func WithHandler(wrap func(http.Handler) http.Handler) Option {
	return func(o *options) { o.wrap = wrap }
}

// WithWebhooks sets the service's webhook settings; without it, endpoints
// may point to private addresses (the test receivers are on loopback).
func WithWebhooks(w service.WebhookSettings) Option { return func(o *options) { o.webhooks = &w } }
