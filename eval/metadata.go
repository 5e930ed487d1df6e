package eval

import (
	"encoding/json"
	"strconv"
	"strings"

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
}

// String returns m.JSON, so that printed results show it.
func (m *Metadata) String() string { return string(m.JSON) }

// MetadataOf builds f's metadata.
func MetadataOf(f *featureflags.Flag) *Metadata {
	m := &Metadata{Owner: f.Owner, Kind: string(f.Kind), Tags: strings.Join(f.Tags, ","), Version: f.Version}
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

// metadataFor returns f's metadata, built once for all its environments.
func (c *compiler) metadataFor(f *featureflags.Flag) *Metadata {
	if c.metaOf != f {
		c.metaOf, c.meta = f, MetadataOf(f)
	}
	return c.meta
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
