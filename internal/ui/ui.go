// Package ui is the web interface of featureflags: static files (HTML, CSS
// and JavaScript modules, no build step and nothing fetched from elsewhere)
// embedded in the binary and served by the API server, the page at "/" and
// its files under "/ui/". The page loads the modules joined into one script
// by the server when it starts (bundle.go).
//
// The page holds no data. It reads and changes everything through the
// public API with the token the person signs in with, so the server's
// access control applies to it exactly as to any other client; serving the
// files themselves needs no token.
package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

//go:embed assets
var files embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body      []byte
	gzip      []byte // body gzipped, or nil when that does not make it smaller
	etag      string
	ctype     string
	immutable bool // named by its content: cached for good
}

// securityHeaders go with every answer of the UI. The policy allows only
// this origin's scripts, styles and API: a flag description can never run
// as code, and the page cannot be framed.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
}

// Handler serves the UI: "/" and "/ui/" answer the page (index.html),
// "/ui/<file>" the file, anything else a JSON 404. Answers carry an ETag
// and "Cache-Control: no-cache", so a browser revalidates (304) and picks
// up a new version as soon as the server has one; the files the page
// loads are named by their content (app.<hash>.js, the modules joined, and
// app.<hash>.css) and cached for good, so a page load that finds them
// cached sends no request for them at all.
func Handler() http.Handler {
	assets := load()
	index := assets["index.html"]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a *asset
		switch p := r.URL.Path; {
		case p == "/" || p == "/ui/":
			a = index
		case strings.HasPrefix(p, "/ui/"):
			a = assets[strings.TrimPrefix(p, "/ui/")]
		}
		h := w.Header()
		for k, v := range securityHeaders {
			h.Set(k, v)
		}
		if a == nil {
			httpx.Error(w, r, ff.Errorf(ff.ENOTFOUND, "no such file of the web UI: %s", r.URL.Path))
			return
		}
		h.Set("Content-Type", a.ctype)
		if a.immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		if httpx.NoneMatch(r, a.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gzip != nil && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gzip
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
	})
}

// load reads the embedded files once, with their types, tags and gzipped
// forms, joins the modules into the page's one script and points the page
// at it and at the style sheet by their content-named copies.
func load() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(files, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == "assets/index.html" {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(name, "assets/")] = newAsset(name, body)
		return nil
	})
	if err != nil {
		panic("ui: reading the embedded files: " + err.Error()) // cannot happen: embed checked them at build time
	}
	script, err := bundle("app.js", func(name string) ([]byte, error) { return files.ReadFile("assets/" + name) })
	if err != nil {
		panic("ui: joining the modules: " + err.Error()) // TestBundle and every browser test join them first
	}
	page, _ := files.ReadFile("assets/index.html") // embedded
	page = hashed(out, page, "app.js", script)
	page = hashed(out, page, "app.css", out["app.css"].body)
	out["index.html"] = newAsset("index.html", page)
	return out
}

// hashed serves body under a name made of name and its content, cached for
// good, and returns page with its reference to /ui/<name> pointing there.
func hashed(assets map[string]*asset, page []byte, name string, body []byte) []byte {
	a := newAsset(name, body)
	a.immutable = true
	ext := path.Ext(name)
	named := strings.TrimSuffix(name, ext) + "." + strings.Trim(a.etag, `"`) + ext
	assets[named] = a
	return bytes.Replace(page, []byte(`"/ui/`+name+`"`), []byte(`"/ui/`+named+`"`), 1)
}

// newAsset is the file name (its type from its extension) with body.
func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: contentType(name)}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() < len(body) {
		a.gzip = buf.Bytes()
	}
	return a
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// acceptsGzip reports whether the client takes gzip ("gzip" listed, and
// not with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
