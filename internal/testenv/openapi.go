package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/featureflags/featureflags/internal/server"
)

// Every answer a Client receives is checked against the server's OpenAPI
// document (GET /openapi.json, read once per server address, once it
// serves it): the status
// must be one the operation documents and the body must match its schema,
// so the document cannot drift from the server. Answers to paths and
// methods the document has no operation for (404 and 405 for unknown
// routes, the UI page) are not checked.

// Contract is a loaded OpenAPI document and the router over its paths.
type Contract struct {
	Doc    *openapi3.T
	router routers.Router
}

// LoadContract parses and validates an OpenAPI document.
func LoadContract(data []byte) (*Contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parse the OpenAPI document: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("the document is OpenAPI %s, not 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the document is not valid OpenAPI: %w", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &Contract{Doc: doc, router: router}, nil
}

// Check returns why the answer (status, header, body) to req breaks the
// document, or nil when it keeps it or no operation covers req.
func (c *Contract) Check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	if err != nil || strings.Count(route.Path, "/") != strings.Count(req.URL.Path, "/") {
		return nil // not an operation: an unknown path or method
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if strings.HasPrefix(header.Get("Content-Type"), "text/event-stream") || header.Get("Content-Encoding") != "" {
		// A stream is never read to its end; a compressed body is checked
		// where the same answer goes out plain.
		in.Options.ExcludeResponseBody = true
	}
	return openapi3filter.ValidateResponse(req.Context(), in)
}

// contracts caches each server address's document.
var contracts sync.Map // base URL -> *Contract

// contractOf returns the document the server at base serves, or nil while
// it serves none (a process still starting answers 503 to everything but
// its probes; one gone answers nothing): then the next answer asks again.
func contractOf(base string) (*Contract, error) {
	if v, ok := contracts.Load(base); ok {
		return v.(*Contract), nil
	}
	data, err := fetchContract(base)
	if err != nil || data == nil {
		return nil, nil
	}
	c, err := LoadContract(data)
	if err != nil {
		return nil, err
	}
	contracts.Store(base, c)
	return c, nil
}

// fetchContract reads the document of the server at base; nil when the
// server does not serve it now.
func fetchContract(base string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+server.OpenAPIPath, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, nil
	}
	return io.ReadAll(res.Body)
}

// checkContract reports to the client's test an answer that breaks the
// server's document. Benchmarks are not checked: they measure the server.
func (c *Client) checkContract(req *http.Request, r *Response) {
	if c.Unchecked || c.t == nil {
		return
	}
	if _, bench := c.t.(*testing.B); bench {
		return
	}
	contract, err := contractOf(req.URL.Scheme + "://" + req.URL.Host)
	if err == nil && contract != nil {
		err = contract.Check(req, r.Status, r.Header, r.Body)
	}
	if err != nil {
		c.t.Errorf("%s %s: answer %d breaks the OpenAPI document: %v\nbody: %.500s", req.Method, req.URL.Path, r.Status, err, r.Body)
	}
}
