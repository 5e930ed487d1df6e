package codec

import (
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func TestCursor(t *testing.T) {
	for _, c := range []Cursor{{Time: 1773500966535, ID: "69b57a26a1b2c3d4e5000001"}, {Time: -5, ID: "a:b"}} {
		got, ok, err := DecodeCursor(EncodeCursor(c))
		if err != nil || !ok || got != c {
			t.Fatalf("round trip of %+v: %+v %v %v", c, got, ok, err)
		}
	}
	if _, ok, err := DecodeCursor(""); ok || err != nil {
		t.Fatalf(`DecodeCursor(""): %v %v`, ok, err)
	}
	for _, bad := range []string{"!!", EncodeCursor(Cursor{Time: 1})[:2], "MTIz", "eDphYmM"} { // "123", "x:abc"
		if _, _, err := DecodeCursor(bad); ff.ErrorCode(err) != ff.EINVALID || ff.ErrorField(err) != "cursor" {
			t.Errorf("DecodeCursor(%q): %v", bad, err)
		}
	}
}

func TestAuditLimit(t *testing.T) {
	for in, want := range map[int]int{-1: 50, 0: 50, 1: 1, 50: 50, 1000: 1000, 1001: 1000} {
		if got := AuditLimit(in); got != want {
			t.Errorf("AuditLimit(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestToggleState(t *testing.T) {
	ev := &ff.AuditEvent{}
	SetToggle(ev, "qa.eu-1", true)
	if string(ev.Before) != `{"environments":{"qa.eu-1":false}}` || string(ev.After) != `{"environments":{"qa.eu-1":true}}` {
		t.Fatalf("before %s, after %s", ev.Before, ev.After)
	}
}

func TestPrepareEvent(t *testing.T) {
	ev := &ff.AuditEvent{Time: time.Now()}
	if err := PrepareEvent(ev); err != nil || ev.ID == "" {
		t.Fatalf("PrepareEvent: %v, id %q", err, ev.ID)
	}
	ev = &ff.AuditEvent{ID: "mine", After: []byte("{not json")}
	if err := PrepareEvent(ev); ff.ErrorCode(err) != ff.EINVALID || ev.ID != "mine" {
		t.Fatalf("PrepareEvent of bad JSON: %v, id %q", err, ev.ID)
	}
}
