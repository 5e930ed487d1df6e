package server

import (
	"net/http"

	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/ofrepjson"
)

// bulkChunk is how much of a bulk answer is built before it is written:
// an answer of 100,000 flags (about 7 MB) streams through one pooled
// buffer instead of being built whole, so that concurrent bulk requests
// hold a chunk each, not an answer each; answers of a few thousand flags
// still go out in one write with a Content-Length.
const bulkChunk = 128 << 10

// writeBulk writes the bulk answer for env and ctx using b, a pooled
// buffer, and returns it for pooling. Flags whose value does not depend on
// the context are copied ready-encoded, runs of them at a time
// (eval.Snapshot.Encoded). An answer
// that fits one chunk goes out with a Content-Length; a longer one is
// chunked. Once done is closed (the client went away) it stops between
// runs of flags and writes nothing more: nobody reads the answer.
func writeBulk(w http.ResponseWriter, snap *eval.Snapshot, env string, ctx eval.Context, b []byte, done <-chan struct{}) []byte {
	b = append(b[:0], `{"flags":[`...)
	started, first := false, true
	for item := range snap.Encoded(env, ctx, ofrepjson.AppendItem, ',') {
		select {
		case <-done:
			return b
		default:
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, item...)
		if len(b) >= bulkChunk {
			if !started {
				w.Header()["Content-Type"] = hdrJSON
				w.WriteHeader(http.StatusOK)
				started = true
			}
			w.Write(b)
			b = b[:0]
		}
	}
	b = append(b, "],"+eventStreamsJSON+"}\n"...)
	if !started {
		writeBody(w, http.StatusOK, b)
	} else {
		w.Write(b)
	}
	return b
}
