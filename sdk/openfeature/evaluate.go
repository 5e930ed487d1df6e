package openfeature

import (
	"context"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/featureflags/featureflags/sdk"
)

// BooleanEvaluation implements of.FeatureProvider.
func (p *Provider) BooleanEvaluation(_ context.Context, flag string, def bool, flatCtx of.FlattenedContext) of.BoolResolutionDetail {
	c := p.Client()
	if c == nil {
		return of.BoolResolutionDetail{Value: def, ProviderResolutionDetail: notReady()}
	}
	r := c.Bool(flag, def, sdk.Context(flatCtx))
	return of.BoolResolutionDetail{Value: r.Value, ProviderResolutionDetail: detail(r.Variant, r.Reason, r.ErrorCode, r.ErrorMessage)}
}

// StringEvaluation implements of.FeatureProvider.
func (p *Provider) StringEvaluation(_ context.Context, flag string, def string, flatCtx of.FlattenedContext) of.StringResolutionDetail {
	c := p.Client()
	if c == nil {
		return of.StringResolutionDetail{Value: def, ProviderResolutionDetail: notReady()}
	}
	r := c.String(flag, def, sdk.Context(flatCtx))
	return of.StringResolutionDetail{Value: r.Value, ProviderResolutionDetail: detail(r.Variant, r.Reason, r.ErrorCode, r.ErrorMessage)}
}

// FloatEvaluation implements of.FeatureProvider.
func (p *Provider) FloatEvaluation(_ context.Context, flag string, def float64, flatCtx of.FlattenedContext) of.FloatResolutionDetail {
	c := p.Client()
	if c == nil {
		return of.FloatResolutionDetail{Value: def, ProviderResolutionDetail: notReady()}
	}
	r := c.Float(flag, def, sdk.Context(flatCtx))
	return of.FloatResolutionDetail{Value: r.Value, ProviderResolutionDetail: detail(r.Variant, r.Reason, r.ErrorCode, r.ErrorMessage)}
}

// IntEvaluation implements of.FeatureProvider: number flags whose value is
// a whole number.
func (p *Provider) IntEvaluation(_ context.Context, flag string, def int64, flatCtx of.FlattenedContext) of.IntResolutionDetail {
	c := p.Client()
	if c == nil {
		return of.IntResolutionDetail{Value: def, ProviderResolutionDetail: notReady()}
	}
	r := c.Int(flag, def, sdk.Context(flatCtx))
	return of.IntResolutionDetail{Value: r.Value, ProviderResolutionDetail: detail(r.Variant, r.Reason, r.ErrorCode, r.ErrorMessage)}
}

// ObjectEvaluation implements of.FeatureProvider. The value is shared with
// the configuration: callers must not modify it.
func (p *Provider) ObjectEvaluation(_ context.Context, flag string, def any, flatCtx of.FlattenedContext) of.InterfaceResolutionDetail {
	c := p.Client()
	if c == nil {
		return of.InterfaceResolutionDetail{Value: def, ProviderResolutionDetail: notReady()}
	}
	r := c.Object(flag, def, sdk.Context(flatCtx))
	return of.InterfaceResolutionDetail{Value: r.Value, ProviderResolutionDetail: detail(r.Variant, r.Reason, r.ErrorCode, r.ErrorMessage)}
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
