package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/featureflags/featureflags/wire"
)

// errNoStream means the stream cannot work here: the server has no stream
// route, or something between answers it with something else or buffers it.
var errNoStream = errors.New("featureflags: streaming is not possible")

// statusError is a refusal by the service.
type statusError struct {
	Status  int
	Message string
}

func (e *statusError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("featureflags: the service answered %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("featureflags: the service answered %d", e.Status)
}

// refused reports whether err means the service will not serve this
// client: a bad key or environment, rather than an outage.
func refused(err error) bool {
	var se *statusError
	return errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden ||
		se.Status == http.StatusNotFound || se.Status == http.StatusBadRequest)
}

func (c *Client) request(ctx context.Context, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.opts.URL+path, nil)
	if err != nil {
		return nil, err
	}
	if c.opts.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Key)
	}
	if c.opts.Environment != "" {
		req.Header.Set(wire.HeaderEnvironment, c.opts.Environment)
	}
	req.Header.Set("User-Agent", "featureflags-go-sdk")
	return req, nil
}

// responseError reads the service's {"error": ...} body, if any.
func responseError(resp *http.Response) error {
	var body struct {
		Error string `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if json.Unmarshal(b, &body) != nil && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		body.Error = strings.TrimSpace(string(b))
	}
	return &statusError{Status: resp.StatusCode, Message: body.Error}
}
