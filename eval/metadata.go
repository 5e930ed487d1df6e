package eval

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/featureflags/featureflags"
)

// Metadata is what a result tells about its flag beyond the evaluation:
// the flag's owner, kind, tags (comma-separated: OFREP metadata values are
// strings, numbers or booleans) and version. It is built, and encoded as
// the JSON object OFREP answers carry, once when the flag is compiled, so
// that answering with it costs a copy.
type Metadata struct {
	Owner   string
	Kind    string
	Tags    string
	Version int64
	// JSON is the object {"kind","owner","tags","version"}, the empty
	// strings left out.
	JSON []byte
	// fields is JSON decoded (Fields), built on first use: most flags'
	// metadata is never asked for as a map.
	fields atomic.Pointer[map[string]any]
}

// Fields returns m as the map its JSON decodes to: the non-empty strings
// and the version as a float64, as OpenFeature providers reading OFREP
// answers see it. It is built once and shared, so that in-process providers
// pass it on without allocating: callers must not modify it. A nil m has
// nil fields.
func (m *Metadata) Fields() map[string]any {
	if m == nil {
		return nil
	}
	if f := m.fields.Load(); f != nil {
		return *f
	}
	f := map[string]any{"version": float64(m.Version)}
	for name, value := range map[string]string{"kind": m.Kind, "owner": m.Owner, "tags": m.Tags} {
		if value != "" {
			f[name] = value
		}
	}
	m.fields.CompareAndSwap(nil, &f) // a concurrent first call may win: both are equal
	return *m.fields.Load()
}

// String returns m.JSON, so that printed results show it; "" for nil.
func (m *Metadata) String() string {
	if m == nil {
		return ""
	}
	return string(m.JSON)
}

// MetadataOf builds f's metadata.
func MetadataOf(f *featureflags.Flag) *Metadata {
	return newMetadata(metaKey{owner: f.Owner, kind: string(f.Kind), tags: strings.Join(f.Tags, ","), version: f.Version})
}

// metaKey is what a flag's metadata is made of.
type metaKey struct {
	owner, kind, tags string
	version           int64
}

func newMetadata(k metaKey) *Metadata {
	m := &Metadata{Owner: k.owner, Kind: k.kind, Tags: k.tags, Version: k.version}
	b := []byte{'{'}
	for _, field := range [...]struct{ name, value string }{{"kind", m.Kind}, {"owner", m.Owner}, {"tags", m.Tags}} {
		if field.value != "" {
			s, _ := json.Marshal(field.value) // a string always encodes
			b = append(append(append(b, '"'), field.name...), `":`...)
			b = append(append(b, s...), ',')
		}
	}
	m.JSON = append(strconv.AppendInt(append(b, `"version":`...), m.Version, 10), '}')
	return m
}

// metadataFor returns f's metadata, built once for all its environments
// and shared by the flags c compiles that have the same: most flags of a
// large service share an owner, a kind, tags and a version with others, and
// at 100,000 flags one each costs megabytes.
func (c *compiler) metadataFor(f *featureflags.Flag) *Metadata {
	if c.metaOf == f {
		return c.meta
	}
	k := metaKey{owner: f.Owner, kind: string(f.Kind), tags: strings.Join(f.Tags, ","), version: f.Version}
	m, ok := c.metas[k]
	if !ok {
		if c.metas == nil {
			c.metas = map[metaKey]*Metadata{}
		}
		m = newMetadata(k)
		c.metas[k] = m
	}
	c.metaOf, c.meta = f, m
	return m
}

// setMetadata gives every result fe can answer its flag's metadata.
func (fe *flagEnv) setMetadata(m *Metadata) {
	set := func(t *tally) {
		if t != nil {
			t.Metadata = m
		}
	}
	set(fe.fixed)
	set(fe.overWork)
	for _, s := range append([]serve{fe.def}, rulesServes(fe.rules)...) {
		set(s.result)
		if s.rollout != nil {
			set(&s.rollout.missing)
			for i := range s.rollout.results {
				set(&s.rollout.results[i])
			}
		}
	}
}

func rulesServes(rules []rule) []serve {
	out := make([]serve, len(rules))
	for i := range rules {
		out[i] = rules[i].serve
	}
	return out
}
