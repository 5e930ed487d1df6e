package server

import (
	"errors"
	"net/http"
	"strconv"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// Access control, in one place: guard wraps every route of the table and
// checks the permission the route declares.
//
//   - While the store holds no token, access control is off: every request
//     acts as the actor "local" (see service.AuthRequired).
//   - Otherwise a request presents a token, as "Authorization: Bearer
//     <secret>" or, for OFREP providers, "X-API-Key: <secret>": none, an
//     unknown, expired or revoked one answer 401; a token whose role lacks
//     the permission answers 403. Both are JSON: {"error"} on the
//     management API, {"errorDetails"} on OFREP, the protocol's error shape.
//   - Environment keys may only evaluate, and only in their environment,
//     which they select: without X-Environment a key evaluates in its own
//     environment; X-Environment naming another one answers 403 rather than
//     quietly serving a different environment than the caller asked for.
//   - Management writes must be JSON and, from a browser, come from this
//     server's origin or a trusted one (browser.go), so that web pages of
//     other sites cannot send them.
//   - Management writes are rate limited per token, or per client address
//     while access control is off: 429 with Retry-After (ratelimit.go).
//
// Management routes bring the view up to date with the store first (as
// their reads do anyway), so that a token revoked through any replica is
// refused at once; evaluation checks against the latest view without
// touching the store, as evaluation itself does.
func (s *Server) guard(rt route) http.HandlerFunc {
	if rt.perm == auth.Public {
		return rt.handler
	}
	ofrep := rt.perm == auth.Evaluate
	limited := s.limiter != nil && !ofrep && rt.method != http.MethodGet
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if !ofrep { // OFREP is open to every origin (cors.go)
			if err := s.browser.checkWrite(r); err != nil {
				httpx.Error(w, r, err)
				return
			}
		}
		// Access control never switches off once on, so a request without
		// credentials is refused without asking the store anything.
		if s.svc.AuthRequired() {
			if secret, ok := auth.Credentials(r.Header); !ok || secret == "" {
				_, err := s.authorize(r, rt.perm)
				s.deny(w, r, ofrep, err)
				return
			}
		}
		// SDKs read the view, as evaluation does; so do metrics, which must
		// keep answering while the store is away.
		if !ofrep && rt.perm != auth.Rules && rt.pattern != metricsPath {
			var err error
			if ctx, err = s.svc.Refresh(ctx); err != nil {
				httpx.Error(w, r, err)
				return
			}
		}
		var key string
		if s.svc.AuthRequired() {
			tok, err := s.authorize(r, rt.perm)
			if err != nil {
				s.deny(w, r, ofrep, err)
				return
			}
			stateOf(w).setToken(tok)
			key = tok.ID
		}
		if limited {
			if err := s.limiter.allow(s.limitKey(r, key)); err != nil {
				httpx.Error(w, r, err)
				return
			}
		}
		if ofrep {
			if err := s.allowEval(r, key); err != nil {
				s.deny(w, r, true, err)
				return
			}
		}
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		rt.handler(w, r)
	}
}

// setToken records tok, the token the request authenticated with: its
// state answers it, its actor and, for an environment key, its
// environment.
func (st *reqState) setToken(tok *ff.Token) {
	st.token, st.keyEnv = tok, tok.Role.IsKey()
}

// authorize authenticates r and checks its token may use a route that
// needs perm: it returns the token, or why not (EUNAUTHORIZED or
// EFORBIDDEN).
func (s *Server) authorize(r *http.Request, perm auth.Permission) (*ff.Token, error) {
	secret, ok := auth.Credentials(r.Header)
	if !ok {
		return nil, ff.Errorf(ff.EUNAUTHORIZED, `the Authorization header must be "Bearer <token>"`)
	}
	if secret == "" {
		return nil, ff.Errorf(ff.EUNAUTHORIZED, "this server requires a token: send it as Authorization: Bearer <token> (or X-API-Key: <token>)")
	}
	tok, err := s.svc.Authenticate(secret)
	if errors.Is(err, service.ErrTokenUnknown) {
		return nil, ff.Errorf(ff.EUNAUTHORIZED, "%s: no token has this secret", ff.ErrorMessage(err))
	}
	if err != nil {
		return nil, err
	}
	if !auth.Allows(tok.Role, perm) {
		return nil, &ff.Error{Code: ff.EFORBIDDEN, Message: forbidden(tok.Role, perm)}
	}
	if tok.Role.IsKey() {
		if env := r.Header.Get(environmentHeader); env != "" && env != tok.Environment {
			return nil, &ff.Error{Code: ff.EFORBIDDEN, Message: "this " + string(tok.Role) + " belongs to environment " + strconv.Quote(tok.Environment) +
				" and cannot evaluate in " + strconv.Quote(env) + "; leave out the " + environmentHeader + " header"}
		}
	}
	return tok, nil
}

// forbidden explains a 403.
func forbidden(role ff.Role, perm auth.Permission) string {
	if perm == auth.Rules {
		return "a " + string(role) + " may not read targeting rules: SDKs that evaluate in process need a server key; " +
			"applications that run on users' devices evaluate through OFREP"
	}
	if role.IsKey() {
		return "a " + string(role) + " may only evaluate flags (OFREP) in its environment; use an API token for this"
	}
	need := "an admin token"
	switch perm {
	case auth.Read:
		need = "a viewer, editor or admin token"
	case auth.Write:
		need = "an editor or admin token"
	}
	return "a " + string(role) + " token may not do this; it needs " + need
}

// deny answers a request access control refused, in OFREP's shape on
// evaluation routes.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, ofrep bool, err error) {
	if ofrep {
		corsHeaders(w.Header())
		s.ofrepFail(w, r, "", false, &ofrepFailure{err: err})
		return
	}
	httpx.Error(w, r, err)
}
