package stream

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/featureflags/featureflags/wire"
)

// Options configures the handlers; zero durations take the defaults.
type Options struct {
	// Environment returns the environment the (already authorised) request
	// reads, "" for none (400). The default reads WithEnvironment's value.
	Environment func(*http.Request) string
	// Config returns an environment's current Config, flags projected (see
	// wire.NewConfig). It must already include every revision published to
	// the hub for that environment, so publish after the view is updated.
	// A *featureflags.Error's code chooses the status (httpx.Status).
	Config func(ctx context.Context, env string) (*wire.Config, error)
	// Revision returns an environment's current revision for the OFREP
	// stream; the default calls Config.
	Revision func(ctx context.Context, env string) (int64, error)
	// Heartbeat is the interval of comment lines on idle streams; default 15s.
	Heartbeat time.Duration
	// Retry is the reconnection delay suggested to clients; default 2s.
	Retry time.Duration
	// WriteTimeout ends a stream whose client does not take a write within
	// it; default 10s. It replaces the server's WriteTimeout on streams.
	WriteTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Environment == nil {
		o.Environment = func(r *http.Request) string { return EnvironmentFrom(r.Context()) }
	}
	if o.Revision == nil && o.Config != nil {
		cfg := o.Config
		o.Revision = func(ctx context.Context, env string) (int64, error) {
			c, err := cfg(ctx, env)
			if err != nil {
				return 0, err
			}
			return c.Revision, nil
		}
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.Retry <= 0 {
		o.Retry = 2 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	return o
}

type envKey struct{}

// WithEnvironment returns a context that makes the handlers serve env: the
// caller's authorisation middleware sets it from the environment key or, on
// a server without access control, from the X-Environment header.
func WithEnvironment(ctx context.Context, env string) context.Context {
	return context.WithValue(ctx, envKey{}, env)
}

// EnvironmentFrom returns the environment WithEnvironment put in ctx.
func EnvironmentFrom(ctx context.Context) string {
	env, _ := ctx.Value(envKey{}).(string)
	return env
}

// lastEventID returns the revision of the Last-Event-ID header, or -1.
func lastEventID(r *http.Request) int64 {
	v := strings.TrimSpace(r.Header.Get(wire.HeaderLastEventID))
	if v == "" {
		return -1
	}
	rev, err := strconv.ParseInt(v, 10, 64)
	if err != nil || rev < 0 {
		return -1
	}
	return rev
}

// observe reports one event written to a stream.
func (m *Metrics) observe(env, event string, ev *Event) {
	if m.EventSent != nil {
		m.EventSent(env, event)
	}
	if m.Lag != nil && ev != nil && !ev.Time.IsZero() {
		m.Lag(time.Since(ev.Time))
	}
}
