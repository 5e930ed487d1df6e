package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestEveryRouteDocumented fails when a route of the table has no entry in
// the OpenAPI declarations, so a new route cannot ship undocumented.
func TestEveryRouteDocumented(t *testing.T) {
	s := testenv.Start(t)
	for _, rt := range s.API().Undocumented() {
		t.Errorf("route %s %s has no OpenAPI entry: add one to the *_doc.go file beside its handler", rt.Method, rt.Pattern)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	s.Expect(http.StatusOK, "GET", server.OpenAPIPath, nil).JSON(t, &doc)
	for _, rt := range s.API().Routes() {
		path := strings.ReplaceAll(rt.Pattern, "...}", "}")
		if _, ok := doc.Paths[path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("the served document lacks %s %s", rt.Method, path)
		}
	}
}

// TestOpenAPIDocumentIsValid loads the served document with kin-openapi as
// OpenAPI 3.1 and validates it, public and without a token.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	r := s.As("").Expect(http.StatusOK, "GET", server.OpenAPIPath, nil)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	c, err := testenv.LoadContract(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if c.Doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", c.Doc.OpenAPI)
	}
	op := c.Doc.Paths.Find("/flags/{id}/toggle").Post
	for _, status := range []int{200, 400, 401, 403, 404, 412, 413, 415, 429, 500, 503} {
		if op.Responses.Status(status) == nil {
			t.Errorf("POST /flags/{id}/toggle does not document %d", status)
		}
	}
	// The check the API suite runs on every answer refuses one that
	// breaks the document: an undocumented status, a wrong field type.
	req, _ := http.NewRequest("GET", s.URL()+"/flags/x", nil)
	json := http.Header{"Content-Type": {"application/json"}}
	if err := c.Check(req, http.StatusTeapot, json, []byte(`{}`)); err == nil {
		t.Error("an undocumented status passed")
	}
	if err := c.Check(req, http.StatusOK, json, []byte(`{"_id":1,"name":"x"}`)); err == nil {
		t.Error("a flag without its fields passed")
	}
	if err := c.Check(req, http.StatusNotFound, json, []byte(`{"error":"no such flag"}`)); err != nil {
		t.Errorf("a documented error failed: %v", err)
	}
}
