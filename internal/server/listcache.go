package server

import (
	"bytes"
	"cmp"
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
// same revision. What it keeps is bounded in bytes too: at 100,000 flags
// one answer without compression is about 40 MB.
type listCache struct {
	mu     sync.Mutex
	tag    string            // the entity tag of the answers kept
	bodies map[string][]byte // the query's key and encoding → body
	size   int               // the bytes of bodies
	budget int               // the most bytes kept; 0: maxCachedListBytes
}

// body returns the list answer tagged tag for key (what else selects it:
// environment, archived) in encoding ("", "gzip" or "zstd"), made by build
// when not cached. Only the latest tag's answers are kept.
func (c *listCache) body(tag, key, encoding string, build func() ([]byte, error)) ([]byte, error) {
	key += "\x00" + encoding
	c.mu.Lock()
	if c.bodies == nil || tag != c.tag {
		c.tag, c.bodies, c.size = tag, map[string][]byte{}, 0
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
	budget := cmp.Or(c.budget, maxCachedListBytes)
	if _, dup := c.bodies[key]; tag == c.tag && !dup && len(c.bodies) < maxCachedLists && c.size+len(b) <= budget {
		c.bodies[key], c.size = b, c.size+len(b)
	}
	c.mu.Unlock()
	return b, nil
}

// maxCachedLists bounds the encodings kept per revision (one per
// environment asked for), and maxCachedListBytes their size: browsers ask
// for compressed answers (about 1 MB at 100,000 flags), which always fit.
const (
	maxCachedLists     = 64
	maxCachedListBytes = 64 << 20
)

// encodeList is the JSON of flags as the API answers them (flagOut), a
// line, each with "enabled" in env when env is set. The flags are encoded
// one at a time: encoding/json keeps the buffer of a large value for reuse,
// so one answer of 100,000 flags marshalled whole left tens of megabytes
// held after it was sent.
func (s *Server) encodeList(env string, flags []*ff.Flag, last map[string]map[string]time.Time) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	buf.WriteByte('[')
	for i, f := range flags {
		if i > 0 {
			buf.WriteByte(',')
		}
		out := s.flagOut(f, last)
		var v any = out
		if env != "" {
			v = flagWithState{flagOut: out, Enabled: f.Environments[env]}
		}
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
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
