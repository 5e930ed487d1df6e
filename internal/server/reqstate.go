package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/httpx"
)

// reqState is everything the middleware keeps for one request, in one
// allocation: its id, the recorder of its answer, and the token access
// control found. It is also the request's context, answering the values
// the rest of the program looks up (the request id, the logger, the token
// and its actor) from its fields, so that none costs a context of its own.
//
// Handlers find it through their ResponseWriter (stateOf). The two
// evaluation routes, which read no value from the request's context, get
// it as their context only when an answer needs it (attach, for an error
// logged with the request id): their state costs neither net/http's copy
// of the request nor, reused, an allocation.
type reqState struct {
	context.Context // the request's context before the middleware
	id              string
	idHeader        [1]string // X-Request-Id's value, shared with the answer's header
	log             *slog.Logger
	rec             statusRecorder
	token           *ff.Token // set by guard once the request is authenticated
	keyEnv          bool      // the token is an environment key: evaluate in its environment
	// req is the request with this state as its context, once attach has
	// made it; a state that never was a context is reused (release).
	req *http.Request
}

// Value answers the request's values from the state, and the rest from
// the context it wraps.
func (st *reqState) Value(key any) any {
	switch key {
	case auth.RequestIDKey:
		return st.id
	case httpx.LoggerKey:
		return st.log
	}
	if st.token != nil {
		switch key {
		case auth.TokenKey:
			return st.token
		case auth.ActorKey:
			return auth.TokenActor(st.token)
		}
	}
	return st.Context.Value(key)
}

// states holds the states of finished requests that can be reused.
var states = sync.Pool{New: func() any { st := new(reqState); st.rec.st = st; return st }}

// newState begins the state of request r, answered through w.
func (s *Server) newState(w http.ResponseWriter, r *http.Request) *reqState {
	st := states.Get().(*reqState)
	st.Context, st.log = r.Context(), s.log
	st.id = httpx.HeaderValue(r.Header, "X-Request-Id")
	if !validRequestID(st.id) {
		st.id = requestIDs.next()
	}
	st.idHeader[0] = st.id
	w.Header()["X-Request-Id"] = st.idHeader[:]
	st.rec.ResponseWriter = w
	return st
}

// attach returns the request with st as its context: a copy of r the
// first time, the same copy after (what it adds to the context is the
// state's: the request id, the logger, the token).
func (st *reqState) attach(r *http.Request) *http.Request {
	if st.req == nil {
		st.req = r.WithContext(st)
	}
	return st.req
}

// release gives st back for another request once its own is finished,
// unless something may still read it: a state that became a context
// (code given a context may read it after the call returns: database/sql
// watches a query's from a goroutine of its own), or one whose answer's
// header net/http has yet to copy (it copies it when the answer begins:
// until then it reads the X-Request-Id value st lends it).
func (st *reqState) release() {
	if st.req != nil || st.rec.status == 0 {
		return
	}
	*st = reqState{}
	st.rec.st = st
	states.Put(st)
}

// stateOf returns the state of the request answered through w, a
// recorder the middleware made, possibly wrapped (compression): every
// route is served behind the middleware.
func stateOf(w http.ResponseWriter) *reqState {
	for {
		switch x := w.(type) {
		case *statusRecorder:
			return x.st
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			panic("server: a handler ran outside the middleware")
		}
	}
}

// idSource hands out request ids of 24 random hex digits, cut from one
// random string per idBlock of them: an id costs no allocation of its own.
type idSource struct {
	mu    sync.Mutex
	block string
}

const idLen, idBlock = 24, 64

var requestIDs idSource

func (s *idSource) next() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.block == "" {
		var b [idLen / 2 * idBlock]byte
		_, _ = rand.Read(b[:])
		s.block = hex.EncodeToString(b[:])
	}
	id := s.block[:idLen]
	s.block = s.block[idLen:]
	return id
}
