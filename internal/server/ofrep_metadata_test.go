package server_test

import (
	"net/http"
	"reflect"
	"testing"

	of "github.com/open-feature/go-sdk/openfeature"
)

// OFREP answers carry the flag's metadata (owner, kind, tags, version), in
// single and bulk evaluation, in successes and in failures of a flag that
// exists; the official provider passes it on as flag metadata.
func TestOFREPMetadata(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "described", "owner": "team-checkout", "kind": "release", "tags": []string{"web", "eu"},
		"environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "bare"})
	s.Expect(http.StatusOK, "PUT", "/flags/described/targeting/production", map[string]any{"defaultServe": map[string]any{
		"rollout": map[string]any{"variants": []any{map[string]any{"variant": "on", "weight": 100}}}}})
	want := map[string]any{"owner": "team-checkout", "kind": "release", "tags": "web,eu", "version": float64(2)}

	got := s.evaluate(http.StatusOK, "described", map[string]any{"targetingKey": "u"})
	if !reflect.DeepEqual(got["metadata"], want) {
		t.Errorf("single: metadata %v, want %v", got["metadata"], want)
	}
	got = s.evaluate(http.StatusBadRequest, "described", map[string]any{}) // TARGETING_KEY_MISSING
	if got["errorCode"] != "TARGETING_KEY_MISSING" || !reflect.DeepEqual(got["metadata"], want) {
		t.Errorf("single failure: %v, want metadata %v", got, want)
	}
	if got = s.evaluate(http.StatusNotFound, "nope", map[string]any{}); got["metadata"] != nil {
		t.Errorf("unknown flag: %v carries metadata", got)
	}
	var bulk struct{ Flags []map[string]any }
	s.bulk(http.StatusOK, map[string]any{}).JSON(t, &bulk)
	byKey := map[string]any{}
	for _, f := range bulk.Flags {
		byKey[f["key"].(string)] = f["metadata"]
	}
	if !reflect.DeepEqual(byKey["described"], want) || !reflect.DeepEqual(byKey["bare"], map[string]any{"version": float64(1)}) {
		t.Errorf("bulk metadata %v", byKey)
	}

	d, err := ofClient(t, s).BooleanValueDetails(t.Context(), "described", false, of.NewEvaluationContext("u", nil))
	if err != nil || !d.Value {
		t.Fatalf("provider: %v, %v", d.Value, err)
	}
	owner, _ := d.FlagMetadata.GetString("owner")
	tags, _ := d.FlagMetadata.GetString("tags")
	version, _ := d.FlagMetadata.GetFloat("version")
	if owner != "team-checkout" || tags != "web,eu" || version != 2 {
		t.Errorf("provider's flag metadata %v", d.FlagMetadata)
	}

	s.Expect(http.StatusOK, "PUT", "/flags/described", map[string]any{"owner": "team-payments"})
	got = s.evaluate(http.StatusOK, "described", map[string]any{"targetingKey": "u"})
	if m, _ := got["metadata"].(map[string]any); m["owner"] != "team-payments" || m["version"] != float64(3) {
		t.Errorf("after an update: metadata %v", got["metadata"])
	}
}
