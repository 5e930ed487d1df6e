package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/open-feature/go-sdk-contrib/providers/ofrep"
	of "github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestOFREPOpenFeatureWithKeys: the official provider authenticates with
// an environment key as an API key or a bearer token, the key selects its
// environment, and a refused key is an error the SDK reports, serving the
// caller's default.
func TestOFREPOpenFeatureWithKeys(t *testing.T) {
	s := newOFREPServer(t, testenv.WithAuth())
	s.createFlag(map[string]any{"name": "beta", "environments": map[string]bool{"staging": true}})
	clientKey, serverKey, prodKey := s.NewToken(ff.RoleClientKey, "staging", ""), s.NewToken(ff.RoleServerKey, "staging", ""), s.NewToken(ff.RoleServerKey, "production", "")
	ctx := t.Context()
	none := of.EvaluationContext{}

	for name, opts := range map[string][]ofrep.Option{
		"client key as X-API-Key": {ofrep.WithApiKeyAuth(clientKey)},
		"server key as bearer":    {ofrep.WithBearerToken(serverKey)},
		"client key as bearer":    {ofrep.WithBearerToken(clientKey)},
		"server key with its env": {ofrep.WithApiKeyAuth(serverKey), ofrep.WithHeader("X-Environment", "staging")},
	} {
		b, err := ofClientOpts(t, s, opts...).BooleanValueDetails(ctx, "beta", false, none)
		if err != nil || !b.Value {
			t.Fatalf("%s: %v, %v", name, b.Value, err)
		}
	}

	for name, opts := range map[string][]ofrep.Option{
		"no key":                 nil,
		"wrong key":              {ofrep.WithApiKeyAuth("ffc_" + strings.Repeat("x", 43))},
		"key of another env":     {ofrep.WithApiKeyAuth(prodKey), ofrep.WithHeader("X-Environment", "staging")},
		"non-bearer credentials": {ofrep.WithHeader("Authorization", "Basic dTpw")},
	} {
		b, err := ofClientOpts(t, s, opts...).BooleanValueDetails(ctx, "beta", true, none)
		if err == nil || !b.Value || b.ErrorCode != of.GeneralCode {
			t.Fatalf("%s: value %v, error %v (%s)", name, b.Value, err, b.ErrorCode)
		}
	}
}

// ofClientOpts is ofClient with provider options.
func ofClientOpts(t *testing.T, s *ofrepServer, opts ...ofrep.Option) *of.Client {
	t.Helper()
	api := isolated.NewAPI()
	opts = append([]ofrep.Option{ofrep.WithClient(&http.Client{})}, opts...)
	if err := api.SetProviderAndWait(t.Context(), ofrep.NewProvider(s.URL(), opts...)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Shutdown(context.Background()) })
	return api.NewClient()
}
