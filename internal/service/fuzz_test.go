package service

// FuzzCompileTargeting feeds flags with arbitrary variants and targeting
// through the service's validation (limits and eval.Validate) and the
// evaluation compiler: neither may panic, validation may only refuse with
// EINVALID, and a flag validation accepts must compile and evaluate
// without a compile error in every environment. The seed corpus is under
// testdata/fuzz/FuzzCompileTargeting. A short run:
//
//	go test -run '^$' -fuzz '^FuzzCompileTargeting$' -fuzztime 10s ./internal/service

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/view"
)

func FuzzCompileTargeting(f *testing.F) {
	f.Add([]byte(`{"type":"boolean","targeting":{"production":{"rules":[{"conditions":[{"operator":"inSegment","value":"s"}],"serve":{"variant":"on"}}],"defaultServe":{"variant":"off"}}}}`))
	envs := []string{"development", "staging", "production"}
	segments := []*ff.Segment{
		{ID: "s1", Name: "s", Match: "any", Conditions: []ff.Condition{{Attribute: "plan", Operator: "in", Value: []any{"pro", "team"}}}},
		{ID: "s2", Name: "t", Match: "all", Conditions: []ff.Condition{{Operator: "inSegment", Value: "s"}, {Attribute: "n", Operator: "gte", Value: 2.0}}},
	}
	byName := map[string]*ff.Segment{}
	for _, sg := range segments {
		byName[sg.Name] = sg
	}
	contexts := []eval.Context{
		{},
		{"targetingKey": "u1"},
		{"targetingKey": "u2", "plan": "pro", "email": "a@example.com", "v": "1.2.3", "n": 5.0,
			"t": "2025-01-01T00:00:00Z", "user": map[string]any{"id": "x", "tags": []any{"a", 1.0}}, "ok": true},
	}
	limits := DefaultLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		var in struct {
			Type         ff.FlagType              `json:"type"`
			Variants     map[string]any           `json:"variants"`
			Environments map[string]bool          `json:"environments"`
			Targeting    map[string]*ff.Targeting `json:"targeting"`
		}
		if json.Unmarshal(data, &in) != nil {
			return
		}
		fl := &ff.Flag{ID: "f1", Name: "f", Type: in.Type, Variants: in.Variants, Environments: in.Environments, Targeting: in.Targeting, Version: 1}
		if fl.Type == "" {
			fl.Type = ff.TypeBoolean
		}
		err := validateFlag(fl, envs, byName, limits)
		var fe *ff.Error
		if err != nil && (!errors.As(err, &fe) || fe.Code != ff.EINVALID || fe.Message == "") {
			t.Fatalf("validation failed with %T %v, want an EINVALID *ff.Error", err, err)
		}
		if err == nil {
			view.Complete(fl, envs)
		}
		snap := eval.Compile([]*ff.Flag{fl}, segments, envs, 1)
		for _, env := range envs {
			for _, ctx := range contexts {
				res := snap.Evaluate(env, "f", ctx)
				if err == nil && strings.Contains(res.ErrorDetails, "does not compile") {
					t.Fatalf("valid flag does not compile in %s: %s", env, res.ErrorDetails)
				}
			}
			snap.EvaluateAll(env, contexts[2], nil)
		}
	})
}
