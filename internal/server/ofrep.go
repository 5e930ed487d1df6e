package server

// The OpenFeature Remote Evaluation Protocol (OFREP), version 0.3.0 of its
// OpenAPI description: single evaluation for server-side providers and bulk
// evaluation, with ETag revalidation, for client-side ones.
//
// Evaluation reads the service's compiled snapshot and never the store. The
// handlers are on the hot path, so they decode the usual flat context by
// hand (ofrepctx.go) and write answers with package ofrepjson into pooled
// buffers instead of going through encoding/json.

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/ofrepjson"
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
	meta *eval.Metadata // the flag's, when it exists
}

// failure is an ofrepFailure of OFREP error code code and domain error code
// errCode.
func failure(code, errCode, msg string) *ofrepFailure {
	return &ofrepFailure{code: code, err: &ff.Error{Code: errCode, Message: msg}}
}

// Preallocated header values. Setting a header to one of these shares the
// slice between responses; that is safe because nothing appends to a
// response header's slice in place (len == cap) or changes its elements.
var (
	hdrJSON = []string{"application/json"}
)

// bufPool holds request and response buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBuffer keeps one unusually large request or answer from pinning
// its memory.
const maxPooledBuffer = 4 << 20

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte, used []byte) {
	if cap(used) > maxPooledBuffer {
		return
	}
	*b = used[:0]
	bufPool.Put(b)
}

// ofrepEvaluate answers POST /ofrep/v1/evaluate/flags/{key}. It decodes
// the context into the pooled Builder, not a map: only the attributes the
// snapshot's flags test, read by evaluation from a slice.
func (s *Server) ofrepEvaluate(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w.Header())
	key := evalKey(r)
	in := getInput()
	defer in.release()
	// The snapshot first: the Builder keeps the attributes of the
	// snapshots compiled before its Reset.
	snap := s.evalSnapshot()
	in.prep.Reset()
	if _, fail := s.ofrepContext(w, r, in, &in.prep); fail != nil {
		s.ofrepFail(w, r, key, true, fail)
		return
	}
	if snap == nil {
		s.ofrepFail(w, r, key, true, errNoSnapshot)
		return
	}
	env := s.environment(w, r)
	res := snap.EvaluatePrepared(env, key, in.prep.Prepared())
	if res.Reason == eval.ReasonError {
		s.ofrepFail(w, r, key, true, s.resultFailure(snap, env, w, r, &res))
		return
	}
	out := getBuf()
	b, ok := ofrepjson.AppendSuccess(*out, &res)
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
	ctx, in, fail := s.ofrepMap(w, r)
	defer in.release()
	if fail != nil {
		s.ofrepFail(w, r, "", false, fail)
		return
	}
	snap := s.evalSnapshot()
	if snap == nil {
		s.ofrepFail(w, r, "", false, errNoSnapshot)
		return
	}
	env := s.environment(w, r)
	if !slices.Contains(snap.Environments(), env) {
		s.ofrepFail(w, r, "", false, s.unknownEnvironment(snap, env, w, r))
		return
	}

	out := getBuf()
	b := *out
	tag := ofrepjson.BulkETag(b[:0], env, snap.Revision(), ctx)
	w.Header().Set("ETag", tag)
	if httpx.NoneMatch(r, tag) {
		putBuf(out, b)
		w.WriteHeader(http.StatusNotModified)
		return
	}

	putBuf(out, writeBulk(w, snap, env, ctx, b, r.Context().Done()))
}

// ofrepMap decodes the context into in's map, for the callers that read
// a map: the caller releases in once it has answered.
func (s *Server) ofrepMap(w http.ResponseWriter, r *http.Request) (ctx eval.Context, in *ofrepInput, fail *ofrepFailure) {
	in = getInput()
	present, fail := s.ofrepContext(w, r, in, mapDest(in.ctx))
	if !present || fail != nil {
		return nil, in, fail
	}
	return in.ctx, in, nil
}

// ofrepContext reads the request body into in and decodes its context
// into dst; present is false for a body without one (or a null one).
func (s *Server) ofrepContext(w http.ResponseWriter, r *http.Request, in *ofrepInput, dst ctxDest) (present bool, fail *ofrepFailure) {
	body, err := httpx.ReadJSONBody(w, r, s.maxContext, in.body)
	in.body = body
	if err != nil {
		return false, &ofrepFailure{code: eval.ErrorGeneral, err: s.contextTooLarge(err)}
	}
	// A context quickContext decodes is flat: nested two deep, within
	// every max-depth. Only the others need the depth check.
	if present, ok := quickContext(body, dst); ok {
		return present, nil
	}
	if fail := s.contextTooDeep(body); fail != nil {
		return false, fail
	}
	if i := firstNonSpace(body); i < 0 || body[i] != '{' {
		return false, failure(eval.ErrorParse, ff.EINVALID,
			`the body must be a JSON object: {"context": {"targetingKey": "...", ...}}`)
	}
	ctx, fail := decodeContext(body)
	if fail != nil {
		return false, fail
	}
	if tk, ok := ctx["targetingKey"]; ok && tk != nil {
		if _, isString := tk.(string); !isString {
			return false, failure(eval.ErrorInvalidContext, ff.EINVALID, "context.targetingKey must be a string")
		}
	}
	for k, v := range ctx {
		if i := dst.Slot(k); i != eval.NoSlot {
			dst.Set(i, k, v)
		}
	}
	return ctx != nil, nil
}

// decodeContext decodes the bodies quickContext declines.
func decodeContext(body []byte) (eval.Context, *ofrepFailure) {
	var req ofrepRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field == "context" {
			return nil, failure(eval.ErrorParse, ff.EINVALID, "context must be a JSON object, not "+typ.Value)
		}
		return nil, &ofrepFailure{code: eval.ErrorParse, err: httpx.JSONError(err)}
	}
	return req.Context, nil
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
func (s *Server) environment(w http.ResponseWriter, r *http.Request) string {
	if st := stateOf(w); st.keyEnv {
		return st.token.Environment
	}
	if env := httpx.HeaderValue(r.Header, environmentHeader); env != "" {
		return env
	}
	return s.defaultEnv
}

var errNoSnapshot = failure("", ff.EINTERNAL, "no flags are loaded yet; the server log has the details")

// resultFailure maps a failed evaluation to its answer.
func (s *Server) resultFailure(snap *eval.Snapshot, env string, w http.ResponseWriter, r *http.Request, res *eval.Result) *ofrepFailure {
	switch res.ErrorCode {
	case eval.ErrorFlagNotFound:
		return failure(eval.ErrorFlagNotFound, ff.ENOTFOUND,
			"flag "+strconv.Quote(res.Key)+" was not found in environment "+strconv.Quote(env))
	case eval.ErrorGeneral: // the only GENERAL Evaluate gives: an unknown environment
		if !slices.Contains(snap.Environments(), env) {
			return s.unknownEnvironment(snap, env, w, r)
		}
	case eval.ErrorParse, eval.ErrorTargetingKeyMissing, eval.ErrorInvalidContext:
		return withMeta(failure(res.ErrorCode, ff.EINVALID, res.ErrorDetails), res)
	}
	return withMeta(failure(eval.ErrorGeneral, ff.EINVALID, res.ErrorCode+": "+res.ErrorDetails), res)
}

// withMeta gives f the metadata of the flag res is about.
func withMeta(f *ofrepFailure, res *eval.Result) *ofrepFailure {
	f.meta = res.Metadata
	return f
}

// unknownEnvironment explains an environment that does not exist. The
// environment is not part of the evaluation context, so the code is GENERAL:
// the caller is misconfigured.
func (s *Server) unknownEnvironment(snap *eval.Snapshot, env string, w http.ResponseWriter, r *http.Request) *ofrepFailure {
	from := "the " + environmentHeader + " header"
	if stateOf(w).keyEnv {
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
	// A failure the server logs is logged with the request id, which the
	// request's context answers once it holds the state.
	status := httpx.Prepare(w, stateOf(w).attach(r), f.err)
	details := ff.ErrorMessage(f.err)
	b := make([]byte, 0, 128+len(details))
	b = append(b, '{')
	if f.code != "" {
		if single {
			b = append(b, `"key":`...)
			b = ofrepjson.AppendString(b, key)
			b = append(b, ',')
		}
		b = append(b, `"errorCode":`...)
		b = ofrepjson.AppendString(b, f.code)
		b = append(b, ',')
	}
	b = append(b, `"errorDetails":`...)
	b = ofrepjson.AppendString(b, details)
	if single {
		b = ofrepjson.AppendMetadata(b, f.meta)
	}
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
