package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
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
type reqState struct {
	context.Context // the request's context before the middleware
	id              string
	idHeader        [1]string // X-Request-Id's value, shared with the answer's header
	log             *slog.Logger
	rec             statusRecorder
	token           *ff.Token // set by guard once the request is authenticated
	keyEnv          bool      // the token is an environment key: evaluate in its environment
}

type stateKey struct{}

// Value answers the request's values from the state, and the rest from
// the context it wraps.
func (st *reqState) Value(key any) any {
	switch key {
	case stateKey{}:
		return st
	case auth.RequestIDKey:
		return st.id
	case httpx.LoggerKey:
		return st.log
	case keyEnvKey{}: // only ever set here, once there is a state
		if st.token != nil && st.keyEnv {
			return st.token.Environment
		}
		return nil
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

// stateFrom returns the state of the request ctx belongs to, or nil
// outside the middleware.
func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
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
