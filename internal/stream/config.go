package stream

import (
	"encoding/json"
	"net/http"

	"github.com/featureflags/featureflags/internal/httpx"
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
			httpx.Error(w, r, errNoEnvironment)
			return
		}
		cfg, err := o.Config(r.Context(), env)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		tag := wire.ETag(cfg.Revision)
		h := w.Header()
		h.Set("ETag", tag)
		h.Set("Cache-Control", "private, no-cache") // holds targeting rules: no shared caches
		h.Set("Vary", "Authorization, X-API-Key, "+wire.HeaderEnvironment)
		if httpx.NoneMatch(r, tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body, err := json.Marshal(cfg)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		h.Set("Content-Type", wire.ContentTypeJSON)
		_, _ = w.Write(body)
	})
}
