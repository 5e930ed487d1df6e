package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	ff "github.com/featureflags/featureflags"
)

// listCache keeps the JSON of GET /flags (all flags, or all flags with one
// environment's state) for the latest revision: with thousands of flags
// encoding is most of the answer's cost, and every open tab asks for the
// same revision.
type listCache struct {
	mu     sync.Mutex
	tag    string            // the entity tag of the answers kept
	bodies map[string][]byte // the query's key and encoding → body
}

// body returns the list answer tagged tag for key (what else selects it:
// environment, archived) in encoding ("", "gzip" or "zstd"), made by build
// when not cached. Only the latest tag's answers are kept.
func (c *listCache) body(tag, key, encoding string, build func() ([]byte, error)) ([]byte, error) {
	key += "\x00" + encoding
	c.mu.Lock()
	if c.bodies == nil || tag != c.tag {
		c.tag, c.bodies = tag, map[string][]byte{}
	}
	b, ok := c.bodies[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := build()
	if err != nil {
		return nil, err
	}
	b = compressed(encoding, b)
	c.mu.Lock()
	if tag == c.tag && len(c.bodies) < maxCachedLists {
		c.bodies[key] = b
	}
	c.mu.Unlock()
	return b, nil
}

// maxCachedLists bounds the encodings kept per revision (one per
// environment asked for).
const maxCachedLists = 64

// encodeList is the JSON of flags as the API answers them (flagOut), a
// line, each with "enabled" in env when env is set.
func (s *Server) encodeList(env string, flags []*ff.Flag, last map[string]map[string]time.Time) ([]byte, error) {
	var v any = s.flagsOut(flags, last)
	if env != "" {
		out := make([]flagWithState, len(flags))
		for i, f := range flags {
			out[i] = flagWithState{flagOut: s.flagOut(f, last), Enabled: f.Environments[env]}
		}
		v = out
	}
	b, err := json.Marshal(v)
	return append(b, '\n'), err
}

// zstdEncoder compresses whole cached lists; EncodeAll is safe for
// concurrent use.
var zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest)) // the options are valid

// compressed is b in encoding ("" for none).
func compressed(encoding string, b []byte) []byte {
	switch encoding {
	case "zstd":
		return zstdEncoder.EncodeAll(b, nil)
	case "gzip":
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // the level is valid
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	return b
}

// listEncoding is the encoding of the list answer to r: zstd or gzip when
// its Accept-Encoding lists them (not with q=0), else none.
func listEncoding(r *http.Request) string {
	accepted := map[string]bool{}
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		q, weighted := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		refused := weighted && strings.Trim(q, "0.") == "" // q=0, q=0.0, ...
		accepted[strings.ToLower(strings.TrimSpace(enc))] = !refused
	}
	for _, enc := range []string{"zstd", "gzip"} {
		if accepted[enc] {
			return enc
		}
	}
	return ""
}
