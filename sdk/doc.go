// Package sdk is the Go SDK of the featureflags service: it keeps a live,
// compiled copy of one environment's flags and evaluates them in process,
// with no network round trip and no allocation per evaluation.
//
// New connects to the service's snapshot stream (package wire), applies
// each change as it is committed, reconnects with exponential back-off and
// jitter, resumes from the last revision it saw, and falls back to polling
// with ETags where the stream cannot work (an old server, a buffering
// proxy). With Options.CachePath it keeps the last configuration on disk and
// starts from it when the service is unreachable.
//
//	c, err := sdk.New(ctx, sdk.Options{URL: "https://flags.example.com", Key: os.Getenv("FEATUREFLAGS_KEY")})
//	...
//	if c.Bool("new-checkout", false, sdk.Context{"targetingKey": userID}).Value { ... }
//
// For binds a client to one context, to evaluate several flags for it
// without looking its attributes up in the map each time:
//
//	u := c.For(sdk.Context{"targetingKey": userID, "plan": plan})
//	checkout, banner := u.Bool("new-checkout", false), u.String("banner", "Hello")
//
// Package sdk/openfeature adapts a Client to the OpenFeature Go SDK.
package sdk
