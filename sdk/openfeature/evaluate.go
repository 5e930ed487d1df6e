package openfeature

import (
	"context"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/featureflags/featureflags/sdk"
)

// BooleanEvaluation implements of.FeatureProvider.
func (p *Provider) BooleanEvaluation(_ context.Context, flag string, def bool, flatCtx of.FlattenedContext) of.BoolResolutionDetail {
	v, d := resolve(p, def, func(c *sdk.Client) sdk.Result[bool] { return c.Bool(flag, def, sdk.Context(flatCtx)) })
	return of.BoolResolutionDetail{Value: v, ProviderResolutionDetail: d}
}

// StringEvaluation implements of.FeatureProvider.
func (p *Provider) StringEvaluation(_ context.Context, flag string, def string, flatCtx of.FlattenedContext) of.StringResolutionDetail {
	v, d := resolve(p, def, func(c *sdk.Client) sdk.Result[string] { return c.String(flag, def, sdk.Context(flatCtx)) })
	return of.StringResolutionDetail{Value: v, ProviderResolutionDetail: d}
}

// FloatEvaluation implements of.FeatureProvider.
func (p *Provider) FloatEvaluation(_ context.Context, flag string, def float64, flatCtx of.FlattenedContext) of.FloatResolutionDetail {
	v, d := resolve(p, def, func(c *sdk.Client) sdk.Result[float64] { return c.Float(flag, def, sdk.Context(flatCtx)) })
	return of.FloatResolutionDetail{Value: v, ProviderResolutionDetail: d}
}

// IntEvaluation implements of.FeatureProvider: number flags whose value is
// a whole number.
func (p *Provider) IntEvaluation(_ context.Context, flag string, def int64, flatCtx of.FlattenedContext) of.IntResolutionDetail {
	v, d := resolve(p, def, func(c *sdk.Client) sdk.Result[int64] { return c.Int(flag, def, sdk.Context(flatCtx)) })
	return of.IntResolutionDetail{Value: v, ProviderResolutionDetail: d}
}

// ObjectEvaluation implements of.FeatureProvider. The value is shared with
// the configuration: callers must not modify it.
func (p *Provider) ObjectEvaluation(_ context.Context, flag string, def any, flatCtx of.FlattenedContext) of.InterfaceResolutionDetail {
	v, d := resolve(p, def, func(c *sdk.Client) sdk.Result[any] { return c.Object(flag, def, sdk.Context(flatCtx)) })
	return of.InterfaceResolutionDetail{Value: v, ProviderResolutionDetail: d}
}

// resolve evaluates with the provider's client, or answers the default as
// PROVIDER_NOT_READY while it has none. The flag metadata (owner, kind,
// tags, version: what OFREP answers carry) is the flag's own map, shared and
// built once, so that evaluating allocates nothing; OpenFeature's client
// copies it before callers see it.
func resolve[T any](p *Provider, def T, eval func(*sdk.Client) sdk.Result[T]) (T, of.ProviderResolutionDetail) {
	c := p.Client()
	if c == nil {
		return def, notReady()
	}
	r := eval(c)
	d := detail(r.Variant, r.Reason, r.ErrorCode, r.ErrorMessage)
	d.FlagMetadata = r.Metadata.Fields()
	return r.Value, d
}

func notReady() of.ProviderResolutionDetail {
	return of.ProviderResolutionDetail{Reason: of.ErrorReason, ResolutionError: of.NewProviderNotReadyResolutionError(errNotReady.Error())}
}

// detail maps an SDK result to OpenFeature's: reasons are the same words,
// error codes become resolution errors.
func detail(variant, reason, code, msg string) of.ProviderResolutionDetail {
	d := of.ProviderResolutionDetail{Variant: variant, Reason: of.Reason(reason)}
	if code == "" {
		return d
	}
	d.Reason = of.ErrorReason
	switch code {
	case sdk.ErrorFlagNotFound:
		d.ResolutionError = of.NewFlagNotFoundResolutionError(msg)
	case sdk.ErrorTypeMismatch:
		d.ResolutionError = of.NewTypeMismatchResolutionError(msg)
	case sdk.ErrorParse:
		d.ResolutionError = of.NewParseErrorResolutionError(msg)
	case sdk.ErrorTargetingKeyMissing:
		d.ResolutionError = of.NewTargetingKeyMissingResolutionError(msg)
	case sdk.ErrorProviderNotReady:
		d.ResolutionError = of.NewProviderNotReadyResolutionError(msg)
	default:
		d.ResolutionError = of.NewGeneralResolutionError(msg)
	}
	return d
}
