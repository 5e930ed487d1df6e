package featureflags

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDepth(t *testing.T) {
	for _, c := range []struct {
		json string
		want int
	}{
		{`1`, 0}, {`"[[["`, 0}, {`{"a":[1,{"b":"]]]\"[["}]}`, 3}, {`[]`, 1},
		{strings.Repeat("[", 40) + strings.Repeat("]", 40), 40},
	} {
		if got := JSONDepth([]byte(c.json)); got != c.want {
			t.Errorf("JSONDepth(%s) = %d, want %d", c.json, got, c.want)
		}
		var v any
		if err := json.Unmarshal([]byte(c.json), &v); err != nil {
			t.Fatal(err)
		}
		if got := ValueDepth(v, 100); got != c.want {
			t.Errorf("ValueDepth(%s) = %d, want %d", c.json, got, c.want)
		}
	}
	deep := strings.Repeat(`{"a":`, 33) + "1" + strings.Repeat("}", 33)
	var v any
	if err := json.Unmarshal([]byte(deep), &v); err != nil {
		t.Fatal(err)
	}
	if err := CheckDepth("variants.x", v, 32); ErrorLimit(err) != LimitDepth || ErrorField(err) != "variants.x" {
		t.Fatalf("CheckDepth: %v, want the field and limit named", err)
	}
	if err := CheckDepth("variants.x", v, 33); err != nil {
		t.Fatal(err)
	}
}
