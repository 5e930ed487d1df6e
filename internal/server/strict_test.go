package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
)

// Lenient decoding let {"name":"a","Name":"b"} create "b"; every such body
// is now refused and creates nothing.
func TestStrictBodies(t *testing.T) {
	s := testenv.Start(t, testenv.WithLimits(service.Limits{TagsPerFlag: 3}))
	for _, c := range []struct{ body, want string }{
		{`{"name":"a","Name":"b"}`, `"field":"Name"`},
		{`{"name":"a","name":"b"}`, "appears twice"},
		{`{"name":"a","environments":{"production":true,"production":false}}`, "appears twice"},
		{"{\"name\":\"a\",\"description\":\"x\xff\"}", "UTF-8"},
		{`{"name":"a","description":"\udfff"}`, "surrogate"},
		{`{"name":"a\u202e"}`, "invalid"},
		{`{"name":"a","tags":["ok","a\u0000"]}`, `"field":"tags[1]"`},
		{`{"name":"a","tags":["b\u2066"]}`, `"field":"tags[0]"`},
		{`{"name":"a","tags":["a","b","c","d"]}`, `"limit":"max-tags-per-flag"`},
		{fmt.Sprintf(`{"name":"a","tags":["%s"]}`, strings.Repeat("t", 129)), "at most 128"},
	} {
		r := s.Client.Do("POST", "/flags", c.body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("%s: %d %s, want 400 with %s", c.body, r.Status, r.Body, c.want)
		}
	}
	var flags []json.RawMessage
	s.Client.Expect(http.StatusOK, "GET", "/flags", nil).JSON(t, &flags)
	if len(flags) != 0 {
		t.Fatalf("refused bodies created %d flags", len(flags))
	}
	s.Client.Expect(http.StatusCreated, "POST", "/flags", `{"name":"a","tags":["a","b","c"]}`)
	s.Client.Expect(http.StatusBadRequest, "PUT", "/flags/a", `{"tags":["a","b","c","d"]}`)
}
