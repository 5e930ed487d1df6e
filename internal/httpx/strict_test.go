package httpx_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

type strictInner struct {
	Attribute string `json:"attribute"`
	Value     any    `json:"value"`
}

type strictBody struct {
	Name  *string                `json:"name"`
	Tags  []string               `json:"tags"`
	Rules []strictInner          `json:"rules"`
	Env   map[string]strictInner `json:"env"`
	Any   any                    `json:"any"`
}

func decodeStrict(body string) (strictBody, error) {
	var dst strictBody
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	err := httpx.DecodeJSON(httptest.NewRecorder(), r, 1<<20, &dst)
	return dst, err
}

// encoding/json alone accepts each of these: keys in other case, the last
// duplicate winning, invalid UTF-8 and unpaired surrogates as U+FFFD.
func TestDecodeJSONStrict(t *testing.T) {
	for _, c := range []struct{ body, field, msg string }{
		{`{"name":"a","Name":"b"}`, "Name", `use "name"`},
		{`{"NAME":"b"}`, "NAME", "case-sensitive"},
		{`{"name":"a","name":"b"}`, "name", "appears twice"},
		{`{"rules":[{"attribute":"a","Attribute":"b"}]}`, "rules[0].Attribute", `use "attribute"`},
		{`{"env":{"p":{"value":1,"value":2}}}`, "env.p.value", "appears twice"},
		{`{"env":{"p":{},"p":{}}}`, "env.p", "appears twice"},
		{`{"any":{"k":1,"k":2}}`, "any.k", "appears twice"},
		{`{"name":"a","bogus":1}`, "bogus", "unknown field"},
		{"{\"name\":\"a\xff\"}", "", "UTF-8"},
		{`{"name":"a\ud800"}`, "", "surrogate"},
		{`{"name":"\udc00x"}`, "", "surrogate"},
		{`{"name":"\ud800\u0041"}`, "", "surrogate"},
	} {
		_, err := decodeStrict(c.body)
		if ff.ErrorCode(err) != ff.EINVALID || ff.ErrorField(err) != c.field || !strings.Contains(ff.ErrorMessage(err), c.msg) {
			t.Errorf("%s: %v (field %q), want EINVALID on %q saying %q", c.body, err, ff.ErrorField(err), c.field, c.msg)
		}
	}
	got, err := decodeStrict(`{"name":"a\ud83d\ude00\\ud800","tags":["x"],"env":{"p":{"attribute":"a"},"P":{"attribute":"b"}},"any":{"k":1,"K":2}}`)
	if err != nil || *got.Name != "a😀\\ud800" || len(got.Env) != 2 {
		t.Fatalf("valid body: %+v, %v", got, err)
	}
}
