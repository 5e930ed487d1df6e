package sdk_test

import (
	"net/http"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/sdk"
)

// The SDK evaluates prerequisites in-process, and follows the required
// flag's changes: toggling it off turns its dependent off too.
func TestSDKEvaluatesPrerequisites(t *testing.T) {
	s := testenv.Start(t)
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "base", "environments": map[string]bool{"production": true}})
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "dependent", "environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{"prerequisites": []map[string]any{{"flag": "base", "variants": []string{"on"}}}}}})
	c := testenv.SDKClient(t, sdk.Options{URL: s.URL(), Environment: "production"})
	testenv.Value(t, c, "dependent", true)
	s.Toggle("base", "production")
	testenv.Value(t, c, "dependent", false)
	if d := c.Bool("dependent", true, sdk.Context{"targetingKey": "u"}); d.Reason != "DISABLED" || d.Variant != "off" {
		t.Errorf("dependent once base is off: %+v", d)
	}
}
