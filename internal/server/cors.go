package server

import "net/http"

// CORS for the OFREP endpoints, so that browser providers on other origins
// can evaluate. Any origin may: the endpoints read no cookies (credentials
// travel in Authorization or X-API-Key, which a page must set itself), so
// allowing every origin exposes nothing a page could not fetch anyway.

// Shared header values (see hdrJSON for why sharing is safe).
var (
	hdrAnyOrigin     = []string{"*"}
	hdrExposeHeaders = []string{"ETag"}
	hdrAllowMethods  = []string{"GET, POST, OPTIONS"}
	hdrAllowHeaders  = []string{"Content-Type, Authorization, If-None-Match, X-Environment, X-API-Key, Last-Event-ID"}
	hdrMaxAge        = []string{"7200"} // seconds; browsers cap it at 2 hours (Chromium) to 24 (Firefox)
)

// corsHeaders adds the headers every OFREP answer carries: any origin may
// read it, and read its ETag.
func corsHeaders(h http.Header) {
	h["Access-Control-Allow-Origin"] = hdrAnyOrigin
	h["Access-Control-Expose-Headers"] = hdrExposeHeaders
}

// ofrepPreflight answers a CORS preflight (OPTIONS) for the OFREP endpoints.
func (s *Server) ofrepPreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	corsHeaders(h)
	h["Access-Control-Allow-Methods"] = hdrAllowMethods
	h["Access-Control-Allow-Headers"] = hdrAllowHeaders
	h["Access-Control-Max-Age"] = hdrMaxAge
	w.WriteHeader(http.StatusNoContent)
}
