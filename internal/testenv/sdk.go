package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/featureflags/featureflags/sdk"
)

// Value waits until the SDK client c evaluates the boolean flag to want for
// a user, and fails the test if it does not within Wait.
func Value(t testing.TB, c *sdk.Client, flag string, want bool) {
	t.Helper()
	events, cancel := c.Subscribe(64)
	defer cancel()
	deadline := time.After(Wait)
	for c.Bool(flag, !want, sdk.Context{"targetingKey": "user-1"}).Value != want {
		select {
		case <-events:
		case <-deadline:
			t.Fatalf("the SDK client never evaluated %s to %v (revision %d, state %v, error %v)", flag, want, c.Revision(), c.State(), c.Err())
		}
	}
}

// SDKClient starts an SDK client on url that reconnects quickly, closed
// when the test ends.
func SDKClient(t testing.TB, opts sdk.Options) *sdk.Client {
	t.Helper()
	if opts.MinBackoff == 0 {
		opts.MinBackoff, opts.MaxBackoff = 10*time.Millisecond, 200*time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	c, err := sdk.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
