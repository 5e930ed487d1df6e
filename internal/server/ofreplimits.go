package server

import (
	"strconv"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/httpx"
)

// contextTooLarge names max-context-bytes, the bound that applies to
// evaluation bodies, where the body reader names max-body-bytes.
func (s *Server) contextTooLarge(err error) error {
	if ff.ErrorLimit(err) != httpx.LimitBodyBytes || s.maxContext >= s.maxBody {
		return err
	}
	e := ff.Errorf(ff.ETOOLARGE, "the evaluation request is larger than the limit of %d bytes (limit %s)", s.maxContext, LimitContextBytes)
	e.Limit = LimitContextBytes
	return e
}

// contextTooDeep refuses a body nested deeper than max-depth before it is
// decoded, so that decoding and every evaluation stay shallow.
func (s *Server) contextTooDeep(body []byte) *ofrepFailure {
	if ff.JSONDepth(body) <= s.maxDepth+1 { // +1: the body's own object
		return nil
	}
	e := ff.Errorf(ff.EINVALID, "the context is nested more than %s levels deep (limit %s)", strconv.Itoa(s.maxDepth), ff.LimitDepth)
	e.Limit = ff.LimitDepth
	return &ofrepFailure{code: eval.ErrorInvalidContext, err: e}
}
