package service

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"

	ff "github.com/featureflags/featureflags"
)

// Difference is one value a change makes, at its path in the flag's JSON
// form ("targeting.production.defaultServe.rollout.variants[0].weight"):
// the value before and after it (absent where there was or is none).
type Difference struct {
	Path   string `json:"path"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
}

// FlagDiff lists what changes from a to b, leaf by leaf, ordered by path,
// leaving out what every write moves (version, update time).
func FlagDiff(a, b *ff.Flag) []Difference {
	out := []Difference{}
	diffValues(&out, "", flagTree(a), flagTree(b))
	slices.SortFunc(out, func(x, y Difference) int {
		if x.Path < y.Path {
			return -1
		}
		if x.Path > y.Path {
			return 1
		}
		return 0
	})
	return out
}

// flagTree is f's JSON form as plain values, without what every write
// moves; nil for no flag.
func flagTree(f *ff.Flag) map[string]any {
	if f == nil {
		return nil
	}
	m := map[string]any{}
	if err := json.Unmarshal(document(f), &m); err != nil {
		return nil // plain data: cannot happen
	}
	delete(m, "version")
	delete(m, "updatedAt")
	return m
}

func diffValues(out *[]Difference, path string, a, b any) {
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if aIsMap && bIsMap {
		for _, k := range unionKeys(am, bm) {
			diffValues(out, join(path, k), am[k], bm[k])
		}
		return
	}
	as, aIsList := a.([]any)
	bs, bIsList := b.([]any)
	if aIsList && bIsList {
		for i := range max(len(as), len(bs)) {
			var x, y any
			if i < len(as) {
				x = as[i]
			}
			if i < len(bs) {
				y = bs[i]
			}
			diffValues(out, path+"["+strconv.Itoa(i)+"]", x, y)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, Difference{Path: path, Before: a, After: b})
	}
}

func unionKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mergeDiff returns the JSON merge patch (RFC 7386) that turns from into
// to: the change a request holds, to be made again on a newer flag.
func mergeDiff(from, to map[string]any) map[string]any {
	patch := map[string]any{}
	for _, k := range unionKeys(from, to) {
		a, inFrom := from[k]
		b, inTo := to[k]
		am, aIsMap := a.(map[string]any)
		bm, bIsMap := b.(map[string]any)
		switch {
		case !inTo:
			patch[k] = nil
		case !inFrom || !aIsMap || !bIsMap:
			if !reflect.DeepEqual(a, b) {
				patch[k] = b
			}
		default:
			if sub := mergeDiff(am, bm); len(sub) > 0 {
				patch[k] = sub
			}
		}
	}
	return patch
}

// mergePatch applies a JSON merge patch to target, in place.
func mergePatch(target, patch map[string]any) {
	for k, v := range patch {
		pm, isMap := v.(map[string]any)
		tm, targetIsMap := target[k].(map[string]any)
		switch {
		case v == nil:
			delete(target, k)
		case isMap && targetIsMap:
			mergePatch(tm, pm)
		case isMap:
			fresh := map[string]any{}
			mergePatch(fresh, pm)
			target[k] = fresh
		default:
			target[k] = v
		}
	}
}

// rebase makes on cur the change from before to after.
func rebase(before, after, cur *ff.Flag) (*ff.Flag, error) {
	tree := flagTree(cur)
	mergePatch(tree, mergeDiff(flagTree(before), flagTree(after)))
	b, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	var next ff.Flag
	if err := json.Unmarshal(b, &next); err != nil {
		return nil, ff.Errorf(ff.EINVALID, "the change no longer fits the flag: %v", err)
	}
	return &next, nil
}
