package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
)

// config is the whole configuration of `serve`: defaults, then
// FEATUREFLAGS_* environment variables, then command-line flags.
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
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: featureflags %s [flags]\n\nEach flag can also be set by its environment variable; a flag given on the command line wins.\n\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(output, "  --%s (%s)\n    \t%s (default %q)\n", f.Name, envName(f.Name), f.Usage, f.DefValue)
		})
	}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q is invalid: %v", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return cfg, envErr
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
	return cfg, cfg.validate()
}

func (c config) validate() error {
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
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("--max-body-bytes (FEATUREFLAGS_MAX_BODY_BYTES) must be at least 1024")
	}
	if err := ff.ValidateName("default-environment", c.DefaultEnvironment); err != nil {
		return fmt.Errorf("--default-environment (FEATUREFLAGS_DEFAULT_ENVIRONMENT): %s", ff.ErrorMessage(err))
	}
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
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
