package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// storeCommandFlags parses the flags of a command that works on the store
// directly (export, import, token …): --store, defaulting to
// FEATUREFLAGS_STORE and then to serve's default, and those define adds.
// Flags may come before or after the positional arguments, which it
// returns. An empty store and a nil error mean --help was answered.
func storeCommandFlags(name string, args []string, stderr io.Writer, define func(*flag.FlagSet), usage func(*flag.FlagSet)) (string, []string, error) {
	storeURL := defaultConfig().Store
	if v := os.Getenv(envName("store")); v != "" {
		storeURL = v
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&storeURL, "store", storeURL, "the store: a SQLite file path or file: URL, postgres://… or mongodb://… ("+envName("store")+")")
	if define != nil {
		define(fs)
	}
	fs.Usage = func() { usage(fs) }
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", nil, nil
			}
			return "", nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
	if storeURL == "" {
		return "", nil, fmt.Errorf("%s: --store (%s) is empty; give a SQLite path, postgres:// or mongodb:// URL", name, envName("store"))
	}
	return storeURL, rest, nil
}
