package server

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"

	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/wire"
)

// compressMinSize is the smallest answer worth compressing: below it the
// encoding's framing outweighs what it saves.
const compressMinSize = 1024

// compress encodes API answers with zstd or gzip, as the client's
// Accept-Encoding prefers, keeping their ETags (the same version whatever
// the encoding; Vary: Accept-Encoding keeps caches apart). Event streams
// pass through untouched: an encoder would hold events back in its buffer.
func compress(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinSize),
		gzhttp.ExceptContentTypes([]string{"text/event-stream"}))
	if err != nil {
		panic(err) // the options are constant: this cannot happen
	}
	encoded := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		if len(r.Header["Accept-Encoding"]) == 0 {
			// Nothing to encode: skip the encoder's per-request writer,
			// keeping the Vary header it would add.
			if h := w.Header(); h["Vary"] == nil {
				h["Vary"] = hdrVary
			} else {
				h.Add("Vary", hdrVary[0])
			}
			next.ServeHTTP(w, r)
			return
		}
		encoded.ServeHTTP(w, r)
	})
}

// hdrVary is the Vary of every answer but a stream (see hdrJSON for why
// sharing it is safe).
var hdrVary = []string{"Accept-Encoding"}

// isStream reports whether r asks for an event stream.
func isStream(r *http.Request) bool {
	switch r.URL.Path {
	case EventsPath, wire.StreamPath, wire.OFREPEventsPath:
		return true
	}
	return strings.Contains(httpx.HeaderValue(r.Header, "Accept"), "text/event-stream")
}
