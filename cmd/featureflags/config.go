package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/logbuf"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/stream"
)

// config is the whole configuration of `serve`: defaults (defaultConfig,
// the one place they are set), then FEATUREFLAGS_* environment variables,
// then command-line flags. The fields after SnapshotFile have no flag.
type config struct {
	Listen          string
	Store           string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	// DefaultEnvironment is where OFREP evaluations without an
	// X-Environment header go.
	DefaultEnvironment string
	// StoreWait is how long to keep retrying an unreachable store at start.
	StoreWait time.Duration
	// Insecure allows serving a non-loopback address without access
	// control (no token in the store and no FEATUREFLAGS_ADMIN_TOKEN).
	Insecure bool
	// WriteRate and WriteBurst limit management writes per token (per
	// client address without access control); a zero rate disables it.
	WriteRate  float64
	WriteBurst int
	// Limits on what flags and segments hold (--max-*).
	Limits service.Limits
	// Resource bounds against exhaustion: evaluation rate per token and per
	// client address, evaluation body size, compiled regular expressions,
	// and open event streams.
	EvalRate        float64
	EvalBurst       int
	MaxContextBytes int64
	MaxRegexProgram int
	MaxRegexTotal   int // instructions of all of one flag's or segment's patterns
	MaxMatchInput   int // bytes of an attribute a matches condition runs on
	MaxEvalWork     int // matches work of one evaluation (eval.SetMaxEvalWork)
	Streams         stream.Limits
	// AuditRetention prunes old audit events (--audit-retention,
	// --audit-max-events); off by default: the whole history is kept.
	AuditRetention service.AuditRetention
	// ReadHeaderTimeout and ReadTimeout bound reading a request's headers
	// and the whole request.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	// RefreshInterval is how often the server checks the store for changes
	// made by other processes, so that evaluation (which never reads the
	// store) follows them; 0 disables it.
	RefreshInterval time.Duration
	// AllowedHosts (--allowed-hosts, comma-separated host or host:port)
	// are the names clients may reach the server by besides the loopback
	// ones, and whose pages may send writes; "*" allows any Host.
	AllowedHosts string

	// MaxHeaderBytes bounds a request's headers (--max-header-bytes).
	MaxHeaderBytes int
	// GCHeadroomBytes is how much the heap may grow between two garbage
	// collections at least (--gc-headroom-bytes, package gcfloor); 0
	// keeps Go's default, as GOGC set in the environment does.
	GCHeadroomBytes int64
	// SnapshotFile is where the server keeps its last view (flags,
	// segments, environments, token hashes) so that it can start and
	// serve evaluations while the store is unreachable; "" disables it.
	// Unless set, it is snapshot.json in the SQLite store's directory, or
	// ./data/snapshot.json for the other stores (see snapshotPath).
	SnapshotFile string

	// StreamHeartbeat is the interval of heartbeats on idle event streams.
	StreamHeartbeat time.Duration
	// IdleTimeout bounds an idle keep-alive connection.
	IdleTimeout time.Duration
	// Token use is written to the store every TokenFlushInterval, and once
	// more at shutdown within TokenFlushTimeout.
	TokenFlushInterval time.Duration
	TokenFlushTimeout  time.Duration
	// TrustedProxies are the peers (load balancers, ingress) whose
	// X-Forwarded-For header names the client in request logs.
	TrustedProxies []netip.Prefix
	// EvalLogEvery logs one in this many successful OFREP evaluations;
	// management requests and failures are always logged.
	EvalLogEvery int
	// DebugListen, when set, is a loopback address serving Go's pprof
	// profiles (debug.go); off by default.
	DebugListen string
	// AuditPruneInterval is how often AuditRetention is enforced.
	AuditPruneInterval time.Duration
	// Usage configures evaluation counting (usageconfig.go).
	Usage usageConfig
	// Webhooks configures webhook endpoints and delivery (webhookconfig.go).
	Webhooks webhookConfig
	// ScheduleInterval is how often due scheduled changes run (schedules.go).
	ScheduleInterval time.Duration
}

func defaultConfig() config {
	return config{
		Listen:          "127.0.0.1:8080",
		Store:           "./data/featureflags.db",
		LogLevel:        "info",
		LogFormat:       "json",
		ShutdownTimeout: 15 * time.Second,
		MaxBodyBytes:    1 << 20,

		DefaultEnvironment: "production",

		WriteRate:         20,
		WriteBurst:        40,
		Limits:            service.DefaultLimits(),
		EvalRate:          10000,
		EvalBurst:         20000,
		MaxContextBytes:   64 << 10,
		MaxRegexProgram:   eval.DefaultMaxRegexProgram,
		MaxRegexTotal:     eval.DefaultMaxRegexTotal,
		MaxMatchInput:     eval.DefaultMaxMatchInput,
		MaxEvalWork:       eval.DefaultMaxEvalWork,
		Streams:           stream.Limits{Total: 10000, PerKey: 5000, PerAddr: 1000},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		RefreshInterval:   2 * time.Second,

		StreamHeartbeat:    15 * time.Second,
		IdleTimeout:        2 * time.Minute,
		MaxHeaderBytes:     64 << 10,
		GCHeadroomBytes:    32 << 20,
		TokenFlushInterval: 30 * time.Second,
		TokenFlushTimeout:  5 * time.Second,
		EvalLogEvery:       100,
		AuditPruneInterval: time.Hour,
		Usage:              defaultUsageConfig(),
		Webhooks:           defaultWebhookConfig(),
		ScheduleInterval:   defaultScheduleInterval,
	}
}

// envName is the environment variable for a flag: listen -> FEATUREFLAGS_LISTEN.
func envName(flagName string) string {
	return "FEATUREFLAGS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig reads the configuration for a command from env and args.
func parseConfig(name string, args []string, getenv func(string) string, output io.Writer) (config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on, host:port")
	fs.StringVar(&cfg.Store, "store", cfg.Store, "where flags are kept: a SQLite file path or file: URL, postgres://… or mongodb://…")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "least severe log level written: debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "log format: json (for log collectors) or text (for people)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long in-flight requests may take to finish on SIGTERM")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest request body accepted, in bytes")
	fs.StringVar(&cfg.DefaultEnvironment, "default-environment", cfg.DefaultEnvironment, "environment OFREP evaluations use when the request has no X-Environment header")
	fs.DurationVar(&cfg.StoreWait, "store-wait", cfg.StoreWait, "how long to keep retrying an unreachable store at start (listening meanwhile, /readyz 503); 0 fails at once")
	fs.BoolVar(&cfg.Insecure, "insecure", cfg.Insecure, "allow listening on a non-loopback address without access control (no API token exists)")
	fs.Float64Var(&cfg.WriteRate, "write-rate", cfg.WriteRate, "management writes allowed per second per token (per client address without access control); 0 disables the limit")
	fs.IntVar(&cfg.WriteBurst, "write-burst", cfg.WriteBurst, "management writes allowed at once per token before --write-rate applies")
	limitFlags(fs, &cfg.Limits)
	evalLimitFlags(fs, &cfg)
	fs.Var((*days)(&cfg.AuditRetention.MaxAge), "audit-retention", "delete audit events older than this (e.g. 90d, 36h); 0 keeps them all")
	fs.IntVar(&cfg.AuditRetention.MaxEvents, "audit-max-events", cfg.AuditRetention.MaxEvents, "keep at most this many audit events, the newest; 0 keeps them all")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", cfg.ReadHeaderTimeout, "how long a client may take to send a request's headers")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "how long a client may take to send a whole request, body included")
	fs.DurationVar(&cfg.RefreshInterval, "refresh-interval", cfg.RefreshInterval, "how often to pick up changes other replicas made, for evaluation; 0 only on management requests")
	fs.IntVar(&cfg.EvalLogEvery, "eval-log-every", cfg.EvalLogEvery, "log one in this many successful OFREP evaluations (1: all); management requests and failures are always logged")
	fs.StringVar(&cfg.DebugListen, "debug-listen", cfg.DebugListen, "loopback host:port serving Go's pprof profiles under /debug/pprof/; empty: off")
	fs.Func("trusted-proxies", "comma-separated addresses or CIDR prefixes of proxies whose X-Forwarded-For names the client in request logs, e.g. 10.0.0.0/8,127.0.0.1", func(v string) (err error) {
		cfg.TrustedProxies, err = server.ParseTrustedProxies(v)
		return err
	})
	fs.IntVar(&cfg.MaxHeaderBytes, "max-header-bytes", cfg.MaxHeaderBytes, "largest request header section accepted, in bytes (net/http allows 4096 more)")
	fs.Int64Var(&cfg.GCHeadroomBytes, "gc-headroom-bytes", cfg.GCHeadroomBytes, "least the heap may grow by between garbage collections, in bytes: fewer collections for a small heap, at the cost of that much memory (0, or GOGC in the environment: Go's default)")
	fs.StringVar(&cfg.AllowedHosts, "allowed-hosts", cfg.AllowedHosts, "comma-separated host or host:port names clients reach the server by, besides localhost when it listens on loopback; "+
		"web pages there may also send changes; * allows any Host header (default: only loopback names on loopback, any otherwise)")
	usageFlags(fs, &cfg.Usage)
	webhookFlags(fs, &cfg.Webhooks)
	scheduleFlags(fs, &cfg.ScheduleInterval)
	snapshot := &optionalString{}
	fs.Var(snapshot, "snapshot-file", "file keeping the last flags (and token hashes) so that evaluation can start while the store is unreachable; \"\" or off disables it (default: snapshot.json beside a SQLite store, else ./data/snapshot.json)")
	fs.Lookup("snapshot-file").DefValue = filepath.Join("data", "snapshot.json")
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: featureflags %s [flags]\n\nEach flag can also be set by its environment variable; a flag given on the command line wins.\n\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(output, "  --%s (%s)\n    \t%s (default %q)\n", f.Name, envName(f.Name), f.Usage, f.DefValue)
		})
	}
	if err := setFromEnv(fs, getenv); err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, errUsage
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q; see 'featureflags %s --help'", fs.Arg(0), name)
	}
	cfg.SnapshotFile = snapshotPath(snapshot, cfg.Store)
	return cfg, cfg.validate()
}

// limitFlags defines the --max-* flags over l: serve and import share
// them, so that both honour the same limits.
func limitFlags(fs *flag.FlagSet, l *service.Limits) {
	fs.IntVar(&l.RulesPerFlag, "max-rules-per-flag", l.RulesPerFlag, "most targeting rules a flag may have in one environment")
	fs.IntVar(&l.ConditionsPerRule, "max-conditions-per-rule", l.ConditionsPerRule, "most conditions a targeting rule may have")
	fs.IntVar(&l.ValuesPerList, "max-values-per-list", l.ValuesPerList, "most values a list condition (in, notIn, ...) may have")
	fs.IntVar(&l.SegmentConditions, "max-segment-conditions", l.SegmentConditions, "most conditions a segment may have")
	fs.IntVar(&l.Flags, "max-flags", l.Flags, "most flags the store may hold (about 3 KB of memory per flag)")
	fs.IntVar(&l.Depth, "max-depth", l.Depth, "deepest nesting of arrays and objects in variant values and evaluation contexts")
	fs.IntVar(&l.TagsPerFlag, "max-tags-per-flag", l.TagsPerFlag, "most tags a flag may have (each at most 128 letters, digits, '-', '_' or '.')")
}

// setFromEnv sets every flag of fs that has a FEATUREFLAGS_* variable from
// it; flags parsed afterwards win.
func setFromEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q is invalid: %v", envName(f.Name), v, err)
			}
		}
	})
	return envErr
}

// optionalString is a string flag that knows whether it was set, so that
// setting it to "" can mean "none" rather than "the default".
type optionalString struct {
	value string
	set   bool
}

func (o *optionalString) String() string {
	if o == nil {
		return ""
	}
	return o.value
}

func (o *optionalString) Set(v string) error {
	o.value, o.set = v, true
	return nil
}

// snapshotPath is the snapshot file --snapshot-file gives: its value when
// set ("" and "off" disable it), else snapshot.json beside a SQLite store,
// or ./data/snapshot.json for PostgreSQL and MongoDB.
func snapshotPath(flag *optionalString, store string) string {
	if flag.set {
		if flag.value == "off" {
			return ""
		}
		return flag.value
	}
	switch scheme(store) {
	case "postgres", "postgresql", "mongodb", "mongodb+srv":
		return filepath.Join("data", "snapshot.json")
	}
	path := strings.TrimPrefix(store, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return filepath.Join(filepath.Dir(path), "snapshot.json")
}

func (c config) validate() error {
	for _, check := range []func() error{c.validateServing, c.validateRates, c.validateWorkers} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateServing checks the listener, the store and the logs.
func (c config) validateServing() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("--listen (FEATUREFLAGS_LISTEN) %q is not host:port: %v", c.Listen, err)
	}
	if c.Store == "" {
		return errors.New("--store (FEATUREFLAGS_STORE) is empty; give a SQLite path, postgres:// or mongodb:// URL")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("--log-format (FEATUREFLAGS_LOG_FORMAT) %q is invalid: use json or text", c.LogFormat)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown-timeout (FEATUREFLAGS_SHUTDOWN_TIMEOUT) must be positive")
	}
	if c.MaxHeaderBytes < 1024 {
		return fmt.Errorf("--max-header-bytes (FEATUREFLAGS_MAX_HEADER_BYTES) must be at least 1024")
	}
	if c.GCHeadroomBytes < 0 || c.GCHeadroomBytes > maxGCHeadroom {
		return fmt.Errorf("--gc-headroom-bytes (FEATUREFLAGS_GC_HEADROOM_BYTES) must be between 0 and %d (1 TiB)", int64(maxGCHeadroom))
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("--max-body-bytes (FEATUREFLAGS_MAX_BODY_BYTES) must be at least 1024")
	}
	if err := ff.ValidateName("default-environment", c.DefaultEnvironment); err != nil {
		return fmt.Errorf("--default-environment (FEATUREFLAGS_DEFAULT_ENVIRONMENT): %s", ff.ErrorMessage(err))
	}
	if c.StoreWait < 0 {
		return fmt.Errorf("--store-wait (FEATUREFLAGS_STORE_WAIT) must not be negative")
	}
	return nil
}

// validateRates checks the rate limits and the evaluation's bounds.
func (c config) validateRates() error {
	if c.WriteRate < 0 || math.IsNaN(c.WriteRate) || math.IsInf(c.WriteRate, 0) {
		return fmt.Errorf("--write-rate (FEATUREFLAGS_WRITE_RATE) must be a number of writes per second, 0 or more")
	}
	if c.EvalRate < 0 || math.IsNaN(c.EvalRate) || math.IsInf(c.EvalRate, 0) {
		return fmt.Errorf("--eval-rate (FEATUREFLAGS_EVAL_RATE) must be a number of evaluations per second, 0 or more")
	}
	if c.Streams.Total < 0 || c.Streams.PerKey < 0 || c.Streams.PerAddr < 0 {
		return fmt.Errorf("--max-streams, --max-streams-per-key and --max-streams-per-address must not be negative")
	}
	if c.WriteBurst < 1 {
		return fmt.Errorf("--write-burst (FEATUREFLAGS_WRITE_BURST) must be at least 1")
	}
	if err := validateLimits(c.Limits); err != nil {
		return err
	}
	for _, l := range []struct {
		name string
		v    int
	}{
		{"max-regex-program", c.MaxRegexProgram}, {"max-regex-total", c.MaxRegexTotal},
		{"max-match-input", c.MaxMatchInput}, {"max-eval-work", c.MaxEvalWork}, {"eval-burst", c.EvalBurst},
		{"max-context-bytes", int(min(c.MaxContextBytes, math.MaxInt32))}, {"eval-log-every", c.EvalLogEvery},
	} {
		if l.v < 1 {
			return fmt.Errorf("--%s (%s) must be at least 1", l.name, envName(l.name))
		}
	}
	return validateDebugListen(c.DebugListen)
}

// validateWorkers checks the timeouts, hosts and background work.
func (c config) validateWorkers() error {
	if c.AuditRetention.MaxAge < 0 {
		return fmt.Errorf("--audit-retention (FEATUREFLAGS_AUDIT_RETENTION) must not be negative")
	}
	if c.AuditRetention.MaxEvents < 0 {
		return fmt.Errorf("--audit-max-events (FEATUREFLAGS_AUDIT_MAX_EVENTS) must not be negative")
	}
	if c.ReadHeaderTimeout <= 0 {
		return fmt.Errorf("--read-header-timeout (FEATUREFLAGS_READ_HEADER_TIMEOUT) must be positive")
	}
	if c.ReadTimeout <= 0 {
		return fmt.Errorf("--read-timeout (FEATUREFLAGS_READ_TIMEOUT) must be positive")
	}
	for _, h := range c.allowedHosts() {
		if err := server.ValidateOrigin(h); err != nil && h != "*" {
			return fmt.Errorf("--allowed-hosts (FEATUREFLAGS_ALLOWED_HOSTS): %v", err)
		}
	}
	if c.RefreshInterval < 0 {
		return fmt.Errorf("--refresh-interval (FEATUREFLAGS_REFRESH_INTERVAL) must not be negative")
	}
	if err := c.Webhooks.validate(); err != nil {
		return err
	}
	if err := validateScheduleInterval(c.ScheduleInterval); err != nil {
		return err
	}
	return c.Usage.validate()
}

// allowedHosts returns the entries of --allowed-hosts.
func (c config) allowedHosts() []string {
	var out []string
	for h := range strings.SplitSeq(c.AllowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

func validateLimits(l service.Limits) error {
	for _, v := range []struct {
		name string
		v    int
	}{
		{"max-rules-per-flag", l.RulesPerFlag}, {"max-conditions-per-rule", l.ConditionsPerRule},
		{"max-values-per-list", l.ValuesPerList}, {"max-segment-conditions", l.SegmentConditions},
		{"max-flags", l.Flags}, {"max-depth", l.Depth}, {"max-tags-per-flag", l.TagsPerFlag},
	} {
		if v.v < 1 {
			return fmt.Errorf("--%s (%s) must be at least 1", v.name, envName(v.name))
		}
	}
	return nil
}

// days is a duration flag that also takes whole days, "90d".
type days time.Duration

func (d *days) String() string {
	if d == nil || *d == 0 {
		return "0"
	}
	if time.Duration(*d)%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(time.Duration(*d)/(24*time.Hour)), 10) + "d"
	}
	return time.Duration(*d).String()
}

func (d *days) Set(v string) error {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		k, err := strconv.ParseInt(n, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a number of days", v)
		}
		*d = days(time.Duration(k) * 24 * time.Hour)
		return nil
	}
	x, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 90d or 36h", v)
	}
	*d = days(x)
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level (FEATUREFLAGS_LOG_LEVEL) %q is invalid: use debug, info, warn or error", s)
	}
	return l, nil
}

func (c config) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if c.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	if b, ok := w.(*logbuf.Writer); ok {
		h = logbuf.Handler(h, b)
		if c.LogFormat == "json" {
			h = logbuf.JSONHandler(b, opts) // the server appends its request lines itself
		}
	}
	return slog.New(h)
}

// limitFlags declares the resource bounds' flags.
func evalLimitFlags(fs *flag.FlagSet, cfg *config) {
	fs.IntVar(&cfg.MaxRegexProgram, "max-regex-program", cfg.MaxRegexProgram, "most instructions a matches condition's compiled regular expression may have")
	fs.IntVar(&cfg.MaxRegexTotal, "max-regex-total", cfg.MaxRegexTotal, "most instructions all the matches conditions of one flag, or one segment, may have together")
	fs.IntVar(&cfg.MaxMatchInput, "max-match-input", cfg.MaxMatchInput, "longest attribute, in bytes, a matches condition runs against; a longer one does not match")
	fs.IntVar(&cfg.MaxEvalWork, "max-eval-work", cfg.MaxEvalWork, "most work (input bytes times program instructions of the matches conditions run) one flag's evaluation may take; past it the evaluation errors")
	fs.Int64Var(&cfg.MaxContextBytes, "max-context-bytes", cfg.MaxContextBytes, "largest evaluation (OFREP) request body, in bytes")
	fs.Float64Var(&cfg.EvalRate, "eval-rate", cfg.EvalRate, "evaluations allowed per second per token and per client address; 0 disables the limit")
	fs.IntVar(&cfg.EvalBurst, "eval-burst", cfg.EvalBurst, "evaluations allowed at once before --eval-rate applies")
	fs.IntVar(&cfg.Streams.Total, "max-streams", cfg.Streams.Total, "most open event streams on this server; 0 unbounded")
	fs.IntVar(&cfg.Streams.PerKey, "max-streams-per-key", cfg.Streams.PerKey, "most open event streams per token; 0 unbounded")
	fs.IntVar(&cfg.Streams.PerAddr, "max-streams-per-address", cfg.Streams.PerAddr, "most open event streams per client address; 0 unbounded")
}
