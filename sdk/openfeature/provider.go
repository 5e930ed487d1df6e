// Package openfeature is an OpenFeature provider for the featureflags Go SDK
// (github.com/open-feature/go-sdk v1.20): flags are evaluated in process by
// an sdk.Client, and the client's state and configuration changes become
// provider events.
//
//	p := openfeature.NewProvider(sdk.Options{URL: url, Key: key})
//	err := of.SetProviderWithContextAndWait(ctx, p)
package openfeature

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/featureflags/featureflags/sdk"
)

// Name is the provider's name in OpenFeature metadata.
const Name = "featureflags"

// Provider implements of.FeatureProvider, of.StateHandler,
// of.ContextAwareStateHandler and of.EventHandler.
type Provider struct {
	opts   sdk.Options
	events chan of.Event

	client atomic.Pointer[sdk.Client] // read by every evaluation

	mu    sync.Mutex // serialises Init and Shutdown
	owned bool       // the provider makes the client and closes it
	stop  chan struct{}
	done  chan struct{}
}

var (
	_ of.FeatureProvider          = (*Provider)(nil)
	_ of.ContextAwareStateHandler = (*Provider)(nil)
	_ of.EventHandler             = (*Provider)(nil)
)

// NewProvider returns a provider that creates its client on Init and closes
// it on Shutdown.
func NewProvider(opts sdk.Options) *Provider {
	return &Provider{opts: opts, events: make(chan of.Event, 64), owned: true}
}

// NewProviderWithClient returns a provider over a client the caller owns
// and closes.
func NewProviderWithClient(c *sdk.Client) *Provider {
	p := &Provider{events: make(chan of.Event, 64)}
	p.client.Store(c)
	return p
}

// Client returns the provider's client, nil before Init.
func (p *Provider) Client() *sdk.Client { return p.client.Load() }

// Metadata implements of.FeatureProvider.
func (p *Provider) Metadata() of.Metadata { return of.Metadata{Name: Name} }

// Hooks implements of.FeatureProvider.
func (p *Provider) Hooks() []of.Hook { return nil }

// EventChannel implements of.EventHandler.
func (p *Provider) EventChannel() <-chan of.Event { return p.events }

// Init implements of.StateHandler.
func (p *Provider) Init(evalCtx of.EvaluationContext) error {
	return p.InitWithContext(context.Background(), evalCtx)
}

// InitWithContext connects (sdk.New bounded by ctx) and starts turning the
// client's events into provider events. Started from the on-disk cache, the
// provider is ready in OpenFeature's terms (it serves flags); the client's
// State says stale until the service answers.
func (p *Provider) InitWithContext(ctx context.Context, _ of.EvaluationContext) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		return nil // already initialised
	}
	c := p.client.Load()
	if c == nil {
		var err error
		if c, err = sdk.New(ctx, p.opts); err != nil {
			return &of.ProviderInitError{ErrorCode: of.GeneralCode, Message: err.Error()}
		}
		p.client.Store(c)
	}
	events, cancel := c.Subscribe(64)
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.forward(events, cancel, p.stop, p.done)
	return nil
}

// Shutdown implements of.StateHandler.
func (p *Provider) Shutdown() { _ = p.ShutdownWithContext(context.Background()) }

// ShutdownWithContext stops the events and, if the provider made the
// client, closes it.
func (p *Provider) ShutdownWithContext(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop == nil {
		return nil
	}
	close(p.stop)
	select {
	case <-p.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.stop, p.done = nil, nil
	if c := p.client.Load(); p.owned && c != nil {
		p.client.Store(nil)
		return c.Close()
	}
	return nil
}

// forward turns client events into provider events until stopped.
func (p *Provider) forward(events <-chan sdk.Event, cancel func(), stop, done chan struct{}) {
	defer close(done)
	defer cancel()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			select {
			case p.events <- providerEvent(ev):
			case <-stop:
				return
			}
		case <-stop:
			return
		}
	}
}

func providerEvent(ev sdk.Event) of.Event {
	out := of.Event{ProviderName: Name, ProviderEventDetails: of.ProviderEventDetails{
		EventMetadata: map[string]any{"revision": ev.Revision},
	}}
	if ev.Type == sdk.EventConfigChanged {
		out.EventType = of.ProviderConfigChange
		out.FlagChanges = ev.Flags
		out.Message = "flag configuration changed"
		return out
	}
	switch ev.State {
	case sdk.StateReady:
		out.EventType, out.Message = of.ProviderReady, "connected"
	case sdk.StateStale:
		out.EventType, out.Message = of.ProviderStale, "reconnecting: "+errText(ev.Err)
	default:
		out.EventType, out.ErrorCode, out.Message = of.ProviderError, of.GeneralCode, errText(ev.Err)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

var errNotReady = errors.New("the provider is not initialised")
