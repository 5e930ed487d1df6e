// Package openapi builds an OpenAPI 3.1 document from a route table and the
// operation declarations kept beside the handlers. Request and answer
// schemas come from the Go types the handlers decode and encode, so the
// document follows the code instead of being written twice.
package openapi

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Param is a query or header parameter of an operation.
type Param struct {
	Name        string
	In          string // "query" or "header"
	Description string
	Required    bool
}

// Response is one status of an operation.
type Response struct {
	Description string
	// Body is a value of the Go type the handler encodes; nil for none.
	Body any
	// ContentType is the body's media type; application/json when empty.
	ContentType string
	// Headers names response headers worth knowing (see headerDocs).
	Headers []string
}

// Operation documents one route.
type Operation struct {
	Summary     string
	Description string
	Params      []Param
	// Body is a value of the Go type the handler decodes; nil for none.
	Body      any
	Responses map[int]Response
}

// Builder collects operations into a document.
type Builder struct {
	info    map[string]any
	paths   map[string]map[string]any
	schemas schemas
}

// NewBuilder starts a document with this title, version and description.
func NewBuilder(title, version, description string) *Builder {
	return &Builder{
		info:    map[string]any{"title": title, "version": version, "description": description},
		paths:   map[string]map[string]any{},
		schemas: schemas{components: map[string]any{}},
	}
}

// pathParam matches the wildcards of a net/http pattern.
var pathParam = regexp.MustCompile(`\{([^}.]+)(\.\.\.)?\}`)

// Add documents method and pattern (a net/http route pattern); secured
// operations accept the document's security schemes.
func (b *Builder) Add(method, pattern string, secured bool, op Operation) {
	path := pathParam.ReplaceAllString(pattern, "{$1}")
	item := b.paths[path]
	if item == nil {
		item = map[string]any{}
		b.paths[path] = item
	}
	out := map[string]any{"summary": op.Summary, "tags": []string{tag(pattern)}, "responses": b.responses(op.Responses)}
	if op.Description != "" {
		out["description"] = op.Description
	}
	if params := b.params(pattern, op.Params); len(params) > 0 {
		out["parameters"] = params
	}
	if op.Body != nil {
		out["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": b.schemas.of(reflect.TypeOf(op.Body), true)}}}
	}
	if secured {
		out["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"apiKey": []string{}}}
	}
	item[strings.ToLower(method)] = out
}

// tag groups operations by the first segment of their path.
func tag(pattern string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(pattern, "/"), "/")
	if seg == "" {
		return "ui"
	}
	return seg
}

func (b *Builder) params(pattern string, declared []Param) []any {
	var out []any
	for _, m := range pathParam.FindAllStringSubmatch(pattern, -1) {
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, p := range declared {
		out = append(out, map[string]any{"name": p.Name, "in": p.In, "required": p.Required,
			"description": p.Description, "schema": map[string]any{"type": "string"}})
	}
	return out
}

func (b *Builder) responses(in map[int]Response) map[string]any {
	out := map[string]any{}
	for status, r := range in {
		desc := r.Description
		if desc == "" {
			desc = http.StatusText(status)
		}
		res := map[string]any{"description": desc}
		if r.Body != nil {
			ct := r.ContentType
			if ct == "" {
				ct = "application/json"
			}
			res["content"] = map[string]any{ct: map[string]any{"schema": b.schemas.of(reflect.TypeOf(r.Body), false)}}
		}
		if len(r.Headers) > 0 {
			res["headers"] = headers(r.Headers)
		}
		out[strconv.Itoa(status)] = res
	}
	return out
}

// headerDocs describes the response headers operations name.
var headerDocs = map[string]string{
	"ETag":             "the version of what the answer holds; send it back in If-Match or If-None-Match",
	"Location":         "where the created item is",
	"Retry-After":      "seconds to wait before trying again",
	"WWW-Authenticate": "how to authenticate: a bearer token",
	"Allow":            "the methods the path answers",
}

func headers(names []string) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		out[n] = map[string]any{"description": headerDocs[n], "schema": map[string]any{"type": "string"}}
	}
	return out
}

// Document returns the document, ready to be encoded as JSON.
func (b *Builder) Document() map[string]any {
	return map[string]any{
		"openapi": "3.1.0",
		"info":    b.info,
		"paths":   b.paths,
		"components": map[string]any{
			"schemas": b.schemas.components,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer",
					"description": "an API token or environment key; needed once the server holds any token"},
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key",
					"description": "the same secret, as OFREP providers send it"},
			},
		},
	}
}
