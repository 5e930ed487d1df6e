// Command example evaluates a flag with the featureflags Go SDK and prints
// its value whenever the configuration changes.
//
//	FEATUREFLAGS_URL=http://127.0.0.1:8080 FEATUREFLAGS_KEY=ffs_... go run ./sdk/example new-checkout
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/featureflags/featureflags/sdk"
)

func main() {
	flag := "new-checkout"
	if len(os.Args) > 1 {
		flag = os.Args[1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	start, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client, err := sdk.New(start, sdk.Options{
		URL:         getenv("FEATUREFLAGS_URL", "http://127.0.0.1:8080"),
		Key:         os.Getenv("FEATUREFLAGS_KEY"),         // a server key; or, without access control:
		Environment: os.Getenv("FEATUREFLAGS_ENVIRONMENT"), // e.g. development
		CachePath:   filepath.Join(os.TempDir(), "featureflags-example.json"),
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()

	user := sdk.Context{"targetingKey": "user-42", "country": "NZ", "plan": "pro"}
	show := func() {
		r := client.Bool(flag, false, user)
		fmt.Printf("revision %d, %s: %t (variant %q, reason %s%s) [%s]\n",
			client.Revision(), flag, r.Value, r.Variant, r.Reason, errSuffix(r.ErrorCode), client.State())
	}
	show()
	events, unsubscribe := client.Subscribe(16)
	defer unsubscribe()
	for {
		select {
		case ev := <-events:
			if ev.Type == sdk.EventConfigChanged || ev.State != sdk.StateReady {
				show()
			}
		case <-ctx.Done():
			return
		}
	}
}

func errSuffix(code string) string {
	if code == "" {
		return ""
	}
	return ", " + code
}

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
