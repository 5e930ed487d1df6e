package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// decodeJSON reads r's body, at most limit bytes, into dst, strictly: the
// media type must be JSON (or absent), unknown fields and trailing data are
// refused, and a wrong type names its field.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("the body must be JSON, sent with Content-Type: application/json (got %q)", ct), ""}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than the limit of %d bytes (limit max-body-bytes)", mbe.Limit), "max-body-bytes"}
		}
		return &httpError{http.StatusBadRequest, "the body could not be read: " + err.Error(), ""}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return ff.Errorf(ff.EINVALID, "the body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return ff.Errorf(ff.EINVALID, "the body has data after the JSON value; send exactly one JSON object")
	}
	return nil
}

// jsonError explains a decoding error in terms of the request.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return ff.Errorf(ff.EINVALID, "the body is not valid JSON: %s at byte %d", syn.Error(), syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ff.Errorf(ff.EINVALID, "the body is not valid JSON: it ends too early")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return ff.Errorf(ff.EINVALID, "the body must be a JSON object, not %s", typ.Value)
		}
		return &ff.Error{Code: ff.EINVALID, Field: typ.Field,
			Message: fmt.Sprintf("field %s must be %s, not %s", typ.Field, jsonTypeName(typ.Type.Kind().String()), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &ff.Error{Code: ff.EINVALID, Field: name, Message: fmt.Sprintf("unknown field %q; check its spelling", name)}
	default:
		return ff.Errorf(ff.EINVALID, "the body could not be decoded: %v", err)
	}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int64", "float64", "uint", "uint64":
		return "a number"
	default:
		return "a " + kind
	}
}
