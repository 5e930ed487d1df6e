package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/internal/view/snapfile"
	"github.com/featureflags/featureflags/sdk"
)

// edgeText is unicode a decoder might stumble on: accents, CJK, emoji
// (outside the BMP, with a joiner), right-to-left, combining marks and the
// JavaScript line separators.
const edgeText = "zoë 例え 👩‍💻 שלום e\u0301 \u2028\u2029 <&>"

// nested returns a value whose nesting of arrays and objects is depth.
func nested(depth int) any {
	var v any = edgeText
	for i := range depth {
		if i%2 == 0 {
			v = []any{v}
		} else {
			v = map[string]any{"k": v}
		}
	}
	return v
}

func condition(attr, op string, v any) map[string]any {
	return map[string]any{"attribute": attr, "operator": op, "value": v}
}

// everyOperator has one rule per operator, each matching edgeContext.
func everyOperator() []any {
	conds := []map[string]any{
		condition("email", "eq", "zoë@例え.jp"), condition("email", "neq", "x"),
		condition("plan", "in", []any{"β", edgeText}), condition("plan", "notIn", []any{"a"}),
		condition("email", "contains", "例え"), condition("email", "startsWith", "zoë"),
		condition("email", "endsWith", ".jp"), condition("ua", "matches", strings.Repeat(`[a-z]{300}`, 3)+"x"),
		condition("n", "lt", 1e308), condition("n", "lte", 42), condition("n", "gt", -1e308), condition("n", "gte", 42),
		condition("version", "semverEq", "2.3.4-beta.1"), condition("version", "semverNeq", "1.0.0"),
		condition("version", "semverLt", "3.0.0"), condition("version", "semverLte", "2.3.4-beta.1"),
		condition("version", "semverGt", "2.3.4-alpha"), condition("version", "semverGte", "2.3.4-beta.1"),
		condition("when", "before", "2031-01-01T00:00:00Z"), condition("when", "after", "2029-12-31T23:59:59Z"),
		condition("org.tier", "present", nil), condition("nothing", "absent", nil),
		condition("", "inSegment", "edge-segment"), condition("", "notInSegment", "nobody"),
	}
	rules := make([]any, len(conds))
	for i, c := range conds {
		rules[i] = map[string]any{"name": edgeText, "conditions": []any{c}, "serve": map[string]any{"variant": []string{"on", "off"}[i%2]}}
	}
	return rules
}

// largest has the most rules and conditions accepted (100 × 50), and a
// list of the most values; only its last rule matches edgeContext.
func largest() []any {
	list := make([]any, 1000)
	for i := range list {
		list[i] = fmt.Sprintf("%s-%d", edgeText, i)
	}
	rules := make([]any, 100)
	for i := range rules {
		conds := make([]any, 50)
		for j := range conds {
			conds[j] = condition("plan", "eq", j)
		}
		rules[i] = map[string]any{"conditions": conds, "serve": map[string]any{"variant": "off"}}
	}
	rules[99] = map[string]any{"conditions": []any{condition("plan", "notIn", list)}, "serve": map[string]any{"variant": "on"}}
	return rules
}

// longest returns n bytes of edgeText, repeated, cut at a character and
// padded with spaces.
func longest(n int) string {
	s := strings.Repeat(edgeText, n/len(edgeText)+1)
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s + strings.Repeat(" ", n-len(s))
}

// edgeFlags are flags at the edge of every accepted bound.
func edgeFlags() []map[string]any {
	prod := map[string]bool{"production": true, "staging": true}
	name := "a" + strings.Repeat("Z9._-", 26)[:ff.MaxNameLength-1]
	rollout := map[string]any{"rollout": map[string]any{"variants": []any{
		map[string]any{"variant": "huge", "weight": 50}, map[string]any{"variant": "tiny", "weight": 50}}}}
	return []map[string]any{
		{"name": name, "description": longest(4096), "environments": prod},
		{"name": "edge-depth", "type": "object", "environments": prod,
			"variants": map[string]any{"deep": nested(ff.DefaultMaxDepth), "wide": map[string]any{edgeText: []any{nil, true, 1.5}}}},
		{"name": "edge-operators", "environments": prod, "targeting": map[string]any{"production": map[string]any{"rules": everyOperator()}}},
		{"name": "edge-largest", "environments": prod, "targeting": map[string]any{"production": map[string]any{"rules": largest()}}},
		{"name": "edge-number", "type": "number", "environments": prod, "variants": map[string]any{"huge": 1.7976931348623157e308, "tiny": 5e-324},
			"targeting": map[string]any{"production": map[string]any{"defaultServe": rollout}}},
		{"name": "edge-string", "type": "string", "environments": prod, "variants": map[string]any{edgeText: edgeText, "empty": ""}},
	}
}

// edgeContexts are evaluated on every path.
var edgeContexts = []eval.Context{
	{"targetingKey": edgeText, "email": "zoë@例え.jp", "plan": "β", "n": 42.0, "version": "2.3.4-beta.1",
		"when": "2030-01-01T00:00:00Z", "org": map[string]any{"tier": edgeText}, "ua": strings.Repeat("a", 900) + "x"},
	{"targetingKey": "user-2"},
	{},
}

// outcome is an evaluation as every path can give it: the value as JSON.
// An error is its code alone: the SDK gives the caller's default for the
// value, and OFREP's error answers have no reason.
type outcome struct{ Value, Variant, Reason, ErrorCode string }

func outcomeOf(t *testing.T, v any, variant, reason, code string) outcome {
	t.Helper()
	if code != "" {
		return outcome{ErrorCode: code}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return outcome{string(b), variant, reason, code}
}

// evaluations evaluates every flag of snap in production for every context.
func evaluations(t *testing.T, snap *eval.Snapshot) map[string]outcome {
	out := map[string]outcome{}
	for i, ctx := range edgeContexts {
		for _, r := range snap.EvaluateAll("production", ctx, nil) {
			out[fmt.Sprint(i, r.Key)] = outcomeOf(t, r.Value, r.Variant, r.Reason, r.ErrorCode)
		}
	}
	return out
}

func sameEvaluations(t *testing.T, path string, got, want map[string]outcome) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d evaluations, want %d", path, len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Fatalf("%s: %s evaluated to %+v, want %+v", path, k, got[k], w)
		}
	}
}

// TestEdgeRoundTrip: everything the server accepts at the edge of its
// bounds can be exported and imported into a fresh store unchanged,
// streamed to the SDK, written to and read from the snapshot file, and
// answered over OFREP in JSON, and every path evaluates it alike.
func TestEdgeRoundTrip(t *testing.T) {
	s := testenv.Start(t)
	segConds := make([]any, 100)
	for i := range segConds {
		segConds[i] = condition("email", "endsWith", fmt.Sprintf("%s%d", edgeText, i))
	}
	segConds[99] = condition("email", "endsWith", "@例え.jp")
	s.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "edge-segment", "description": edgeText, "match": "any", "conditions": segConds})
	s.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "nobody", "conditions": []any{condition("email", "eq", "")}})
	for _, f := range edgeFlags() {
		s.Expect(http.StatusCreated, "POST", "/flags", f)
	}
	s.Expect(http.StatusBadRequest, "POST", "/flags", map[string]any{"name": "too-deep", "type": "object", "variants": map[string]any{"v": nested(ff.DefaultMaxDepth + 1)}})
	want := evaluations(t, s.Svc.Snapshot())
	if w := want["0edge-operators"]; w.Reason != eval.ReasonTargetingMatch || w.Variant != "on" {
		t.Fatalf("edge-operators for the full context: %+v, want the first rule", w)
	}

	t.Run("export and import", func(t *testing.T) { exportImport(t, s, want) })
	t.Run("sdk", func(t *testing.T) { overSDK(t, s, want) })
	t.Run("snapshot file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "snapshot.json")
		if err := snapfile.Write(path, s.Svc.Latest().Dataset(), nil, time.Now()); err != nil {
			t.Fatal(err)
		}
		d, _, _, err := snapfile.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		sameEvaluations(t, "snapshot file", evaluations(t, view.New(d, nil).Snapshot), want)
	})
	t.Run("ofrep bulk", func(t *testing.T) { overOFREP(t, s, want) })
}

func exportImport(t *testing.T, s *testenv.Server, want map[string]outcome) {
	ctx := context.Background()
	d, err := s.Svc.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var in ff.Dataset
	if err := json.Unmarshal(text, &in); err != nil {
		t.Fatal(err)
	}
	fresh := service.New(testenv.Start(t).Store)
	if err := fresh.Import(auth.WithActor(ctx, auth.CLI), &in); err != nil {
		t.Fatalf("import: %v", err)
	}
	again, err := fresh.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Init(ctx); err != nil {
		t.Fatal(err)
	}
	for _, part := range []struct {
		name      string
		got, want any
	}{{"flags", again.Flags, d.Flags}, {"segments", again.Segments, d.Segments}} {
		a, _ := json.Marshal(part.got)
		b, _ := json.Marshal(part.want)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s differ after export and import:\n%.400s\nwant\n%.400s", part.name, a, b)
		}
	}
	sameEvaluations(t, "imported store", evaluations(t, fresh.Snapshot()), want)
}

func overSDK(t *testing.T, s *testenv.Server, want map[string]outcome) {
	c := testenv.SDKClient(t, sdk.Options{URL: s.URL(), Environment: "production"})
	if c.Revision() < s.Svc.Snapshot().Revision() {
		t.Fatalf("SDK at revision %d, server at %d", c.Revision(), s.Svc.Snapshot().Revision())
	}
	got := map[string]outcome{}
	for i, ctx := range edgeContexts {
		for _, key := range s.Svc.Snapshot().Keys("production") {
			typ, _ := s.Svc.Snapshot().Lookup("production", key)
			var o outcome
			switch typ {
			case ff.TypeBoolean:
				r := c.Bool(key, false, ctx)
				o = outcomeOf(t, r.Value, r.Variant, r.Reason, r.ErrorCode)
			case ff.TypeString:
				r := c.String(key, "", ctx)
				o = outcomeOf(t, r.Value, r.Variant, r.Reason, r.ErrorCode)
			case ff.TypeNumber:
				r := c.Float(key, 0, ctx)
				o = outcomeOf(t, r.Value, r.Variant, r.Reason, r.ErrorCode)
			default:
				r := c.Object(key, nil, ctx)
				o = outcomeOf(t, r.Value, r.Variant, r.Reason, r.ErrorCode)
			}
			got[fmt.Sprint(i, key)] = o
		}
	}
	sameEvaluations(t, "sdk", got, want)
}

func overOFREP(t *testing.T, s *testenv.Server, want map[string]outcome) {
	got := map[string]outcome{}
	for i, ctx := range edgeContexts {
		r := s.Expect(http.StatusOK, "POST", "/ofrep/v1/evaluate/flags", map[string]any{"context": ctx}, "X-Environment", "production")
		var bulk struct {
			Flags []struct {
				Key, Variant, Reason, ErrorCode string
				Value                           any
			}
		}
		if err := json.Unmarshal(r.Body, &bulk); err != nil {
			t.Fatalf("encoding/json cannot read the bulk answer: %v", err)
		}
		for _, f := range bulk.Flags {
			reason := f.Reason
			got[fmt.Sprint(i, f.Key)] = outcomeOf(t, f.Value, f.Variant, reason, f.ErrorCode)
		}
	}
	sameEvaluations(t, "ofrep bulk", got, want)
}
