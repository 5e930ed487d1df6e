package codec

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// An update's audit event would hold the item twice, before and after.
// Stores keep the after in full (enough to restore the item) and, in place
// of the before, a diff: a JSON merge patch (RFC 7386) that turns the
// after into the before. Reading puts the before back together, so the
// events clients see are unchanged. A before is kept in full when the
// patch would not be smaller (a toggle's one state, say) or would not
// rebuild it exactly (a null value, which a merge patch cannot carry).

// StoredBefore returns what a store keeps of an event's before: the
// before itself (full), or else, when both are set, a diff from after.
func StoredBefore(before, after json.RawMessage) (full, diff json.RawMessage) {
	if len(before) == 0 || len(after) == 0 {
		return before, nil
	}
	b, errB := decodeJSON(before)
	a, errA := decodeJSON(after)
	if errB != nil || errA != nil {
		return before, nil
	}
	d, err := json.Marshal(mergeDiff(a, b))
	if err != nil || len(d) >= len(before) {
		return before, nil
	}
	if rebuilt, err := RestoreBefore(after, d); err != nil || !sameJSON(rebuilt, before) {
		return before, nil
	}
	return nil, d
}

// RestoreBefore rebuilds a before from the after it was diffed against and
// the diff StoredBefore made.
func RestoreBefore(after, diff json.RawMessage) (json.RawMessage, error) {
	a, err := decodeJSON(after)
	if err != nil {
		return nil, err
	}
	d, err := decodeJSON(diff)
	if err != nil {
		return nil, err
	}
	return json.Marshal(mergePatch(a, d))
}

// mergeDiff returns the merge patch that turns from into to.
func mergeDiff(from, to any) any {
	f, fok := from.(map[string]any)
	t, tok := to.(map[string]any)
	if !fok || !tok {
		return to
	}
	patch := map[string]any{}
	for k, tv := range t {
		if fv, ok := f[k]; !ok || !reflect.DeepEqual(fv, tv) {
			patch[k] = mergeDiff(fv, tv)
		}
	}
	for k := range f {
		if _, ok := t[k]; !ok {
			patch[k] = nil
		}
	}
	return patch
}

// mergePatch applies patch to target as RFC 7386 says.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// sameJSON reports whether a and b hold equal JSON values.
func sameJSON(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	x, errX := decodeJSON(a)
	y, errY := decodeJSON(b)
	return errX == nil && errY == nil && reflect.DeepEqual(x, y)
}

// decodeJSON decodes b keeping numbers as written (json.Number), so that
// a rebuilt document holds exactly the numbers of the original.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}
