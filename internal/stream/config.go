package stream

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/featureflags/featureflags/wire"
)

// ConfigHandler serves an environment's Config for polling SDKs
// (wire.ConfigPath), with ETag "<revision>" and 304 for If-None-Match. The
// same authorisation as SnapshotHandler applies.
func ConfigHandler(opts Options) http.Handler {
	o := opts.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env := o.Environment(r)
		if env == "" {
			writeJSONError(w, http.StatusBadRequest, "no environment: use an environment key or the "+wire.HeaderEnvironment+" header")
			return
		}
		cfg, err := o.Config(r.Context(), env)
		if err != nil {
			writeError(w, err)
			return
		}
		tag := wire.ETag(cfg.Revision)
		h := w.Header()
		h.Set("ETag", tag)
		h.Set("Cache-Control", "private, no-cache") // holds targeting rules: no shared caches
		h.Set("Vary", "Authorization, X-API-Key, "+wire.HeaderEnvironment)
		if etagMatches(r.Header.Get("If-None-Match"), tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body, err := json.Marshal(cfg)
		if err != nil {
			writeError(w, err)
			return
		}
		h.Set("Content-Type", wire.ContentTypeJSON)
		_, _ = w.Write(body)
	})
}

// etagMatches implements If-None-Match's weak comparison against tag.
func etagMatches(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}
