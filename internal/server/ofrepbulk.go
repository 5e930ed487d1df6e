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
// (eval.Snapshot.AppendEncoded). An answer that fits one chunk goes out
// with a Content-Length; a longer one is chunked. Once done is closed (the
// client went away) it stops within a leaf of flags (64 at most) and
// writes nothing more: nobody reads the answer.
func writeBulk(w http.ResponseWriter, snap *eval.Snapshot, env string, ctx eval.Context, b []byte, done <-chan struct{}) []byte {
	started, gone := false, false
	b = append(b[:0], `{"flags":[`...)
	b = snap.AppendEncoded(b, env, ctx, ofrepjson.AppendItem, ',', func(b []byte) ([]byte, bool) {
		if gone = closed(done); gone || len(b) < bulkChunk {
			return b, !gone
		}
		if !started {
			w.Header()["Content-Type"] = hdrJSON
			w.WriteHeader(http.StatusOK)
			started = true
		}
		w.Write(b)
		return b[:0], true
	})
	if gone {
		return b
	}
	b = append(b, "],"+eventStreamsJSON+"}\n"...)
	if !started {
		writeBody(w, http.StatusOK, b)
	} else {
		w.Write(b)
	}
	return b
}

// closed reports whether done is closed; a nil done never is.
func closed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
