package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// LimitBodyBytes names the limit on request bodies, as the command line does.
const LimitBodyBytes = "max-body-bytes"

// DecodeJSON reads r's body, at most limit bytes, into dst, strictly: the
// media type must be JSON (or absent), unknown fields and trailing data are
// refused, and a wrong type names its field. Keys must match fields
// exactly, once each, and the body must be UTF-8 (checkStrict).
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	body, err := ReadJSONBody(w, r, limit, nil)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return ff.Errorf(ff.EINVALID, "the body is empty; send a JSON object")
	}
	if err := checkStrict(body, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return JSONError(err)
	}
	if dec.More() {
		return ff.Errorf(ff.EINVALID, "the body has data after the JSON value; send exactly one JSON object")
	}
	return nil
}

// ReadJSONBody checks that r's body is JSON (or of no stated type) and reads
// it, at most limit bytes, appending to buf. It returns the bytes read even
// on error, so that a caller can pool buf.
func ReadJSONBody(w http.ResponseWriter, r *http.Request, limit int64, buf []byte) ([]byte, error) {
	if ct := HeaderValue(r.Header, "Content-Type"); ct != "" && !IsJSON(ct) {
		return buf, ff.Errorf(ff.EMEDIATYPE, "the body must be JSON, sent with Content-Type: application/json (got %q)", ct)
	}
	body, err := readBody(w, r, limit, buf)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e := ff.Errorf(ff.ETOOLARGE, "the body is larger than the limit of %d bytes (limit %s)", mbe.Limit, LimitBodyBytes)
			e.Limit = LimitBodyBytes
			return body, e
		}
		return body, ff.Errorf(ff.EINVALID, "the body could not be read: %v", err)
	}
	return body, nil
}

// IsJSON reports whether the media type ct is JSON: application/json or
// a +json type, with any parameters.
func IsJSON(ct string) bool {
	if ct == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// readBody reads r's body, at most limit bytes, appending to buf.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, buf []byte) ([]byte, error) {
	if r.ContentLength > limit {
		return buf, &http.MaxBytesError{Limit: limit}
	}
	var rd io.Reader = r.Body // with a Content-Length, the server reads no more
	if r.ContentLength < 0 {
		rd = http.MaxBytesReader(w, r.Body, limit)
	} else if int64(cap(buf)) < r.ContentLength+1 {
		buf = slices.Grow(buf, int(r.ContentLength)+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 512)
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// JSONError explains a decoding error in terms of the request.
func JSONError(err error) error {
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

// HeaderValue is h.Get(key) for a key already in canonical form ("Content-Type"):
// without Get's canonicalization of key, which was a tenth of the
// middleware's own work per request on the evaluation path.
func HeaderValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
