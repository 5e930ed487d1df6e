package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// post sends body as JSON and decodes the answer into out; an error answer
// is an *apiError with the server's message.
func (r *remote) post(ctx context.Context, path string, body, out any) error {
	data, err := r.call(ctx, http.MethodPost, path, body, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

// exitError carries a command's exit code: plan exits 2 when there are
// changes, flags-as-code commands 1 on errors.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func failed(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) || errors.Is(err, errUsage) {
		return err
	}
	return &exitError{1, err}
}
