package sdk

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options configures a Client. Only URL is required; zero values take the
// defaults.
type Options struct {
	// URL is the service's base URL, e.g. "https://flags.example.com".
	URL string
	// Key is a server key: it selects the environment and may read its
	// targeting rules. Client keys are refused.
	Key string
	// Environment names the environment when the service runs without
	// access control; with a key, the key decides.
	Environment string
	// CachePath, if set, is a file that keeps the last configuration
	// (written atomically after changes) and is used at start when the
	// service cannot be reached.
	CachePath string
	// HTTPClient makes the requests; it must not set a Timeout, which would
	// cut streams. Default: a new client on http.DefaultTransport.
	HTTPClient *http.Client
	// Logger receives connection events; default: none.
	Logger *slog.Logger
	// PollInterval is the interval of polling when streaming is impossible
	// or disabled; default 30s.
	PollInterval time.Duration
	// PollOnly disables streaming.
	PollOnly bool
	// ReadTimeout ends a connection that delivers nothing, not even the
	// server's heartbeat, for this long; default 45s. A stream that delivers
	// nothing at all within it is taken as buffered by a proxy, and the
	// client polls instead.
	ReadTimeout time.Duration
	// MinBackoff and MaxBackoff bound the delay between reconnections,
	// doubled on every failure and jittered; defaults 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// StreamRetry is how long the client polls before trying the stream
	// again; default 5m.
	StreamRetry time.Duration
	// UsageInterval is how often the client reports how often it evaluated
	// each flag (a POST to the service, also made once at Close); default
	// 1m. Reports never delay evaluation: a failed one is retried with the
	// next, and counts beyond MaxUsageCounts are dropped.
	UsageInterval time.Duration
	// MaxUsageCounts bounds the distinct counts (flag, variant, reason)
	// kept between reports; default 10,000.
	MaxUsageCounts int
	// DisableUsage turns usage counting and reports off.
	DisableUsage bool
}

func (o Options) withDefaults() (Options, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, errors.New("featureflags: Options.URL must be an http or https URL, such as https://flags.example.com")
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PollInterval, 30*time.Second)
	def(&o.ReadTimeout, 45*time.Second)
	def(&o.MinBackoff, 500*time.Millisecond)
	def(&o.MaxBackoff, 30*time.Second)
	def(&o.StreamRetry, 5*time.Minute)
	def(&o.UsageInterval, time.Minute)
	if o.MaxUsageCounts <= 0 {
		o.MaxUsageCounts = 10_000
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	return o, nil
}
