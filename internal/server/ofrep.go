package server

// The OpenFeature Remote Evaluation Protocol (OFREP), version 0.3.0 of its
// OpenAPI description: single evaluation for server-side providers and bulk
// evaluation, with ETag revalidation, for client-side ones.
//
// Evaluation reads the service's compiled snapshot and never the store. The
// handlers are on the hot path, so they decode the context with a single
// json.Unmarshal and write answers with the appenders below into pooled
// buffers instead of going through encoding/json.

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/httpx"
)

// environmentHeader names the environment to evaluate in; without it the
// server's default environment is used.
const environmentHeader = "X-Environment"

// ofrepRequest is the body of both evaluation endpoints. Unknown fields are
// ignored, so that providers of later protocol versions keep working.
type ofrepRequest struct {
	Context eval.Context `json:"context"`
}

// ofrepFailure is an evaluation that did not produce a value: the error,
// whose code gives the status, and OFREP's error code for the body.
type ofrepFailure struct {
	code string // OFREP's; empty when the body is only errorDetails
	err  error
}

// failure is an ofrepFailure of OFREP error code code and domain error code
// errCode.
func failure(code, errCode, msg string) *ofrepFailure {
	return &ofrepFailure{code, &ff.Error{Code: errCode, Message: msg}}
}

// Preallocated header values. Setting a header to one of these shares the
// slice between responses; that is safe because nothing appends to a
// response header's slice in place (len == cap) or changes its elements.
var (
	hdrJSON = []string{"application/json"}
)

// bufPool holds request and response buffers; resultPool the results of
// bulk evaluations.
var (
	bufPool    = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
	resultPool = sync.Pool{New: func() any { r := make([]eval.Result, 0, 256); return &r }}
)

// maxPooledBuffer and maxPooledResults keep one unusually large request or
// answer from pinning its memory.
const (
	maxPooledBuffer  = 4 << 20
	maxPooledResults = 1 << 15
)

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte, used []byte) {
	if cap(used) > maxPooledBuffer {
		return
	}
	*b = used[:0]
	bufPool.Put(b)
}

// ofrepEvaluate answers POST /ofrep/v1/evaluate/flags/{key}.
func (s *Server) ofrepEvaluate(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w.Header())
	key := r.PathValue("key")
	in := getBuf()
	ctx, body, fail := s.ofrepContext(w, r, *in)
	putBuf(in, body)
	if fail != nil {
		s.ofrepFail(w, r, key, true, fail)
		return
	}
	snap := s.svc.Snapshot()
	if snap == nil {
		s.ofrepFail(w, r, key, true, errNoSnapshot)
		return
	}
	env := s.environment(r)
	res := snap.Evaluate(env, key, ctx)
	if res.Reason == eval.ReasonError {
		s.ofrepFail(w, r, key, true, s.resultFailure(snap, env, r, &res))
		return
	}
	out := getBuf()
	b, ok := appendSuccess(*out, &res)
	if !ok {
		putBuf(out, b)
		s.ofrepFail(w, r, key, true, valueFailure(&res))
		return
	}
	b = append(b, '\n')
	writeBody(w, http.StatusOK, b)
	putBuf(out, b)
}

// ofrepEvaluateAll answers POST /ofrep/v1/evaluate/flags: every flag of the
// environment, failures side by side with successes. The ETag is computed
// before evaluating, so that a 304 costs a decode and a hash.
func (s *Server) ofrepEvaluateAll(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w.Header())
	in := getBuf()
	ctx, body, fail := s.ofrepContext(w, r, *in)
	putBuf(in, body)
	if fail != nil {
		s.ofrepFail(w, r, "", false, fail)
		return
	}
	snap := s.svc.Snapshot()
	if snap == nil {
		s.ofrepFail(w, r, "", false, errNoSnapshot)
		return
	}
	env := s.environment(r)
	if !slices.Contains(snap.Environments(), env) {
		s.ofrepFail(w, r, "", false, s.unknownEnvironment(snap, env, r))
		return
	}

	out := getBuf()
	b := *out
	tag := bulkETag(b[:0], env, snap.Revision(), ctx)
	w.Header().Set("ETag", tag)
	if httpx.NoneMatch(r, tag) {
		putBuf(out, b)
		w.WriteHeader(http.StatusNotModified)
		return
	}

	rp := resultPool.Get().(*[]eval.Result)
	results := snap.EvaluateAll(env, ctx, (*rp)[:0])
	b = append(b[:0], `{"flags":[`...)
	for i := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendItem(b, &results[i])
	}
	b = append(b, "],"+eventStreamsJSON+"}\n"...)
	writeBody(w, http.StatusOK, b)
	putBuf(out, b)
	if cap(results) <= maxPooledResults {
		*rp = results[:0]
		resultPool.Put(rp)
	}
}

// ofrepContext reads the request body into buf and decodes its context. It
// returns buf, possibly grown, for the caller to pool.
func (s *Server) ofrepContext(w http.ResponseWriter, r *http.Request, buf []byte) (eval.Context, []byte, *ofrepFailure) {
	body, err := httpx.ReadJSONBody(w, r, s.maxBody, buf)
	if err != nil {
		return nil, body, &ofrepFailure{eval.ErrorGeneral, err}
	}
	if i := firstNonSpace(body); i < 0 || body[i] != '{' {
		return nil, body, failure(eval.ErrorParse, ff.EINVALID,
			`the body must be a JSON object: {"context": {"targetingKey": "...", ...}}`)
	}
	var req ofrepRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field == "context" {
			return nil, body, failure(eval.ErrorParse, ff.EINVALID, "context must be a JSON object, not "+typ.Value)
		}
		return nil, body, &ofrepFailure{eval.ErrorParse, httpx.JSONError(err)}
	}
	if tk, ok := req.Context["targetingKey"]; ok && tk != nil {
		if _, isString := tk.(string); !isString {
			return nil, body, failure(eval.ErrorInvalidContext, ff.EINVALID, "context.targetingKey must be a string")
		}
	}
	return req.Context, body, nil
}

func firstNonSpace(b []byte) int {
	for i, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return i
		}
	}
	return -1
}

// environment is the environment a request evaluates in: an environment
// key's own, else the X-Environment header's, else the default.
func (s *Server) environment(r *http.Request) string {
	if env, ok := r.Context().Value(keyEnvKey{}).(string); ok {
		return env
	}
	if env := r.Header.Get(environmentHeader); env != "" {
		return env
	}
	return s.defaultEnv
}

var errNoSnapshot = failure("", ff.EINTERNAL, "no flags are loaded yet; the server log has the details")

// resultFailure maps a failed evaluation to its answer.
func (s *Server) resultFailure(snap *eval.Snapshot, env string, r *http.Request, res *eval.Result) *ofrepFailure {
	switch res.ErrorCode {
	case eval.ErrorFlagNotFound:
		return failure(eval.ErrorFlagNotFound, ff.ENOTFOUND,
			"flag "+strconv.Quote(res.Key)+" was not found in environment "+strconv.Quote(env))
	case eval.ErrorGeneral: // the only GENERAL Evaluate gives: an unknown environment
		if !slices.Contains(snap.Environments(), env) {
			return s.unknownEnvironment(snap, env, r)
		}
	case eval.ErrorParse, eval.ErrorTargetingKeyMissing, eval.ErrorInvalidContext:
		return failure(res.ErrorCode, ff.EINVALID, res.ErrorDetails)
	}
	return failure(eval.ErrorGeneral, ff.EINVALID, res.ErrorCode+": "+res.ErrorDetails)
}

// unknownEnvironment explains an environment that does not exist. The
// environment is not part of the evaluation context, so the code is GENERAL:
// the caller is misconfigured.
func (s *Server) unknownEnvironment(snap *eval.Snapshot, env string, r *http.Request) *ofrepFailure {
	from := "the " + environmentHeader + " header"
	if _, key := r.Context().Value(keyEnvKey{}).(string); key {
		from = "the environment key's environment, which no longer exists"
	} else if r.Header.Get(environmentHeader) == "" {
		from = "the server's default environment; send the " + environmentHeader + " header"
	}
	return failure(eval.ErrorGeneral, ff.EINVALID,
		"unknown environment "+strconv.Quote(env)+" (from "+from+"); existing environments: "+
			strings.Join(snap.Environments(), ", "))
}

func valueFailure(res *eval.Result) *ofrepFailure {
	return failure("", ff.EINTERNAL, "the value of flag "+strconv.Quote(res.Key)+" could not be encoded as JSON")
}

// ofrepFail writes a failure, its status from the one table (httpx):
// {"key","errorCode","errorDetails"} for a single flag, without the key in
// bulk, and only errorDetails without an OFREP error code (a 500, or access
// refused). The details are the error's message: a failure's own, never an
// internal error's text.
func (s *Server) ofrepFail(w http.ResponseWriter, r *http.Request, key string, single bool, f *ofrepFailure) {
	status := httpx.Prepare(w, r, f.err)
	details := ff.ErrorMessage(f.err)
	b := make([]byte, 0, 128+len(details))
	b = append(b, '{')
	if f.code != "" {
		if single {
			b = append(b, `"key":`...)
			b = appendString(b, key)
			b = append(b, ',')
		}
		b = append(b, `"errorCode":`...)
		b = appendString(b, f.code)
		b = append(b, ',')
	}
	b = append(b, `"errorDetails":`...)
	b = appendString(b, details)
	b = append(b, "}\n"...)
	writeBody(w, status, b)
}

// writeBody writes a complete JSON answer. net/http sets the Content-Length
// of short answers itself; long ones would otherwise be chunked.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	if len(b) > 1024 {
		h["Content-Length"] = []string{strconv.Itoa(len(b))}
	}
	w.WriteHeader(status)
	w.Write(b)
}

// bulkETag is the entity tag of a bulk answer: FNV-1a 64 of the
// environment, the snapshot revision and the context encoded canonically
// (keys sorted, so the same context always hashes the same). Every change
// to any flag, segment or environment moves the revision, and evaluation
// depends on nothing else, so the tag changes whenever an answer could.
// scratch is used for the encoding.
func bulkETag(scratch []byte, env string, revision int64, ctx eval.Context) string {
	h := uint64(fnvOffset64)
	h = fnv1aString(h, env)
	var rev [9]byte
	rev[0] = 0 // separates the environment from the revision
	for i := 0; i < 8; i++ {
		rev[1+i] = byte(uint64(revision) >> (8 * i))
	}
	h = fnv1a(h, rev[:])
	canon, ok := appendValue(scratch, map[string]any(ctx))
	if !ok { // not from JSON: cannot happen for a decoded body
		canon = append(canon[:0], "\x00unencodable"...)
	}
	h = fnv1a(h, canon)
	var tag [18]byte
	tag[0], tag[17] = '"', '"'
	for i := 0; i < 16; i++ {
		tag[16-i] = hexDigits[h>>(4*i)&0xf]
	}
	return string(tag[:])
}

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func fnv1a(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return h
}

func fnv1aString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

// appendSuccess appends {"key","value","reason","variant"}; it reports false
// when the value cannot be encoded. A nil value is left out: the OFREP
// "code default" answer.
func appendSuccess(b []byte, res *eval.Result) ([]byte, bool) {
	b = append(b, `{"key":`...)
	b = appendString(b, res.Key)
	if res.Value != nil {
		b = append(b, `,"value":`...)
		var ok bool
		if b, ok = appendValue(b, res.Value); !ok {
			return b, false
		}
	}
	b = appendReason(b, res.Reason)
	if res.Variant != "" {
		b = append(b, `,"variant":`...)
		b = appendString(b, res.Variant)
	}
	return append(b, '}'), true
}

// appendReason appends the reason member, the known reasons ready-made.
func appendReason(b []byte, reason string) []byte {
	switch reason {
	case eval.ReasonStatic:
		return append(b, `,"reason":"STATIC"`...)
	case eval.ReasonTargetingMatch:
		return append(b, `,"reason":"TARGETING_MATCH"`...)
	case eval.ReasonSplit:
		return append(b, `,"reason":"SPLIT"`...)
	case eval.ReasonDefault:
		return append(b, `,"reason":"DEFAULT"`...)
	case eval.ReasonDisabled:
		return append(b, `,"reason":"DISABLED"`...)
	}
	b = append(b, `,"reason":`...)
	return appendString(b, reason)
}

// appendItem appends one bulk item: a success, or {"key","errorCode",
// "errorDetails"} for a flag that failed.
func appendItem(b []byte, res *eval.Result) []byte {
	if res.Reason != eval.ReasonError {
		start := len(b)
		var ok bool
		if b, ok = appendSuccess(b, res); ok {
			return b
		}
		b = b[:start]
		return appendFailureItem(b, res.Key, eval.ErrorGeneral, "the value could not be encoded as JSON")
	}
	code := res.ErrorCode
	if code == "" {
		code = eval.ErrorGeneral
	}
	return appendFailureItem(b, res.Key, code, res.ErrorDetails)
}

func appendFailureItem(b []byte, key, code, details string) []byte {
	b = append(b, `{"key":`...)
	b = appendString(b, key)
	b = append(b, `,"errorCode":`...)
	b = appendString(b, code)
	if details != "" {
		b = append(b, `,"errorDetails":`...)
		b = appendString(b, details)
	}
	return append(b, '}')
}

// appendValue appends v as JSON: the types decoding JSON gives, maps with
// their keys sorted as encoding/json sorts them. Anything else goes through
// encoding/json. It reports false for what JSON cannot hold (NaN, say).
func appendValue(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if x {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case string:
		return appendString(b, x), true
	case float64:
		return appendFloat(b, x)
	case map[string]any:
		if len(x) == 0 {
			return append(b, "{}"...), true
		}
		var small [16]string
		keys := small[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendValue(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendValue(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case eval.Context:
		return appendValue(b, map[string]any(x))
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return b, false
	}
	return append(b, enc...), true
}

// appendFloat formats f as encoding/json does: the shortest representation,
// exponent notation only outside [1e-6, 1e21).
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	if i := int64(f); float64(i) == f && i > -1e15 && i < 1e15 && (i != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(b, i, 10), true // integers, fast
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the bytes a JSON string holds as they are.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string. Unlike strconv.AppendQuote it
// writes only escapes JSON has; invalid UTF-8 becomes U+FFFD, and U+2028
// and U+2029 are escaped as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && plainASCII[s[i]] {
		i++
	}
	if i == len(s) { // the common case: nothing to escape
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
