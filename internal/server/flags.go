package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// flagWithState is a flag as listed for one environment.
type flagWithState struct {
	flagOut
	Enabled bool `json:"enabled"`
}

// listFlags answers GET /flags: every flag, or with ?names=a,b only those
// named (by name or id; unknown ones are left out, so a client that asks
// for a flag it heard changed learns it is gone), or with ?limit=n the
// first n by name (a first screen, while the whole list loads). The ETag
// is the revision of the view answered, so a client that has it gets 304
// and no body; a first page's tag also names its limit, so that it never
// stands for the whole list.
func (s *Server) listFlags(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := listLimit(q)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	v, err := s.svc.Current(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if _, stale := q["stale"]; stale {
		flags, err := filterArchived(r, v.Flags())
		if err == nil && s.answerStale(w, r, flags) {
			return
		}
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	// The tag covers the view and the "last evaluated" times the answer
	// carries, which move without a revision.
	gen := s.usage.Generation()
	tag := strconv.FormatInt(v.Revision, 10) + "." + strconv.FormatUint(gen, 10)
	if limit > 0 {
		tag += ".first-" + strconv.Itoa(limit)
	}
	tag = strconv.Quote(tag)
	w.Header().Set("ETag", tag)
	if httpx.NoneMatch(r, tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	env := q.Get("environment")
	if _, filtered := q["environment"]; filtered {
		if err := checkEnvParam(env, v.EnvNames); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	if _, err := filterArchived(r, nil); err != nil {
		httpx.Error(w, r, err)
		return
	}
	var body []byte
	if names, ok := q["names"]; ok || limit > 0 {
		flags := v.Flags()
		if ok {
			flags = selectFlags(v.Flag, names)
		}
		flags, _ = filterArchived(r, flags)
		if limit > 0 {
			flags = flags[:min(limit, len(flags))]
		}
		body, err = s.encodeList(env, flags, s.usage.Known())
	} else {
		// Cached, compressed once per revision (the compression
		// middleware leaves an encoded answer alone).
		enc := listEncoding(r)
		body, err = s.lists.body(tag, env+"\x00"+q.Get("archived"), enc, func() ([]byte, error) {
			flags, _ := filterArchived(r, v.Flags())
			return s.encodeList(env, flags, s.usage.Known())
		})
		if enc != "" {
			w.Header().Set("Content-Encoding", enc)
		}
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// maxListLimit bounds ?limit= of GET /flags: a first page is meant to be
// small (the whole list is cached and compressed, a page is not).
const maxListLimit = 1000

// listLimit reads ?limit= of GET /flags: 0 when absent (no limit).
func listLimit(q url.Values) (int, error) {
	if _, ok := q["limit"]; !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(q.Get("limit"))
	if err != nil || n < 1 || n > maxListLimit {
		return 0, &ff.Error{Code: ff.EINVALID, Field: "limit", Limit: "list-limit",
			Message: fmt.Sprintf("limit must be a whole number from 1 to %d (list-limit), got %q", maxListLimit, q.Get("limit"))}
	}
	return n, nil
}

// selectFlags returns the flags that lookup finds for the comma-separated
// names or ids in lists, each once, in the order asked.
func selectFlags(lookup func(string) *ff.Flag, lists []string) []*ff.Flag {
	var out []*ff.Flag
	seen := map[string]bool{}
	for _, list := range lists {
		for _, name := range strings.Split(list, ",") {
			if f := lookup(strings.TrimSpace(name)); f != nil && !seen[f.ID] {
				seen[f.ID] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// writeList answers a list, or err: [] rather than null when it is empty.
func writeList[T any](w http.ResponseWriter, r *http.Request, items []T, err error) {
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if items == nil {
		items = []T{}
	}
	httpx.WriteJSON(w, http.StatusOK, items)
}

// checkEnvParam checks the environment a query parameter names.
func checkEnvParam(env string, envs []string) error {
	if env == "" {
		return ff.FieldErrorf("environment", "environment is required, e.g. ?environment=production")
	}
	if !contains(envs, env) {
		return &ff.Error{Code: ff.EINVALID, Field: "environment", Message: "unknown environment " + strconv.Quote(env) + "; existing environments: " + strings.Join(envs, ", ")}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// createFlagRequest is the body of POST /flags.
type createFlagRequest struct {
	Name         *string                  `json:"name"`
	Description  string                   `json:"description"`
	Type         ff.FlagType              `json:"type"`
	Variants     map[string]any           `json:"variants"`
	Environments map[string]bool          `json:"environments"`
	Targeting    map[string]*ff.Targeting `json:"targeting"`
	Tags         []string                 `json:"tags"`
	Owner        string                   `json:"owner"`
	Kind         ff.FlagKind              `json:"kind"`
	ExpiresAt    *time.Time               `json:"expiresAt"`
}

func (s *Server) createFlag(w http.ResponseWriter, r *http.Request) {
	var req createFlagRequest
	if err := httpx.DecodeJSON(w, r, s.maxBody, &req); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if req.Name == nil {
		httpx.Error(w, r, ff.FieldErrorf("name", "name is required"))
		return
	}
	f, err := s.svc.CreateFlag(r.Context(), service.FlagInput{
		Name: *req.Name, Description: req.Description, Type: req.Type, Variants: req.Variants,
		Environments: req.Environments, Targeting: req.Targeting, Tags: req.Tags,
		Lifecycle: service.Lifecycle{Owner: req.Owner, Kind: req.Kind, ExpiresAt: req.ExpiresAt},
	})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/flags/"+f.ID)
	s.writeFlag(w, http.StatusCreated, f)
}

// updateFlagRequest is the body of PUT /flags/{id}: every field optional.
type updateFlagRequest struct {
	Name         *string                  `json:"name"`
	Description  *string                  `json:"description"`
	Type         *ff.FlagType             `json:"type"`
	Variants     *map[string]any          `json:"variants"`
	Environments map[string]bool          `json:"environments"`
	Targeting    map[string]*ff.Targeting `json:"targeting"`
	Tags         *[]string                `json:"tags"`
	Owner        *string                  `json:"owner"`
	Kind         *ff.FlagKind             `json:"kind"`
	// ExpiresAt is an RFC 3339 time, or "" to remove the expiry.
	ExpiresAt *string `json:"expiresAt"`
}

func (s *Server) updateFlag(w http.ResponseWriter, r *http.Request) {
	var req updateFlagRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	p, err := flagPatch(&req)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := s.svc.UpdateFlag(r.Context(), r.PathValue("id"), p, ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	s.writeFlag(w, http.StatusOK, f)
}

// flagPatch is the change a PUT /flags/{id} body makes.
func flagPatch(req *updateFlagRequest) (service.FlagPatch, error) {
	lp, err := lifecyclePatch(req)
	return service.FlagPatch{
		Name: req.Name, Description: req.Description, Type: req.Type, Variants: req.Variants,
		Environments: req.Environments, Targeting: req.Targeting, Tags: req.Tags, LifecyclePatch: lp,
	}, err
}

func (s *Server) deleteFlag(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, s.svc.DeleteFlag)
}

// deleteByID answers a DELETE of the item named by the path's {id}, at the
// version If-Match gives: 204 with no body, or the error.
func deleteByID(w http.ResponseWriter, r *http.Request, del func(ctx context.Context, idOrName string, ifMatch int64) error) {
	ifMatch, err := parseIfMatch(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := del(r.Context(), r.PathValue("id"), ifMatch); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type toggleRequest struct {
	Environment *string `json:"environment"`
}

type toggleResponse struct {
	ID      string `json:"_id"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

func (s *Server) toggleFlag(w http.ResponseWriter, r *http.Request) {
	var req toggleRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	if req.Environment == nil || *req.Environment == "" {
		httpx.Error(w, r, ff.FieldErrorf("environment", `environment is required, e.g. {"environment":"production"}`))
		return
	}
	f, err := s.svc.ToggleFlag(r.Context(), r.PathValue("id"), *req.Environment, ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.ETag(f.Version))
	httpx.WriteJSON(w, http.StatusOK, toggleResponse{ID: f.ID, Name: f.Name, Enabled: f.Environments[*req.Environment]})
}

// parseIfMatch reads an If-Match header: a version as an entity tag ("3"),
// or "*" / absent for any version. Anything else cannot match: 412.
// decodeWrite reads what a conditional write brings: its If-Match version
// and its JSON body into dst. On a bad one it answers the error and returns
// false.
func (s *Server) decodeWrite(w http.ResponseWriter, r *http.Request, dst any) (ifMatch int64, ok bool) {
	ifMatch, err := parseIfMatch(r)
	if err == nil {
		err = httpx.DecodeJSON(w, r, s.maxBody, dst)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return 0, false
	}
	return ifMatch, true
}

func parseIfMatch(r *http.Request) (int64, error) {
	v, anyVersion, ok := httpx.IfMatchVersion(r)
	switch {
	case !ok:
		return 0, ff.Errorf(ff.EPRECONDITION, "If-Match %q matches no version; use the ETag of the flag as you last read it",
			strings.TrimSpace(r.Header.Get("If-Match")))
	case anyVersion:
		return ff.AnyVersion, nil
	}
	return v, nil
}

// putTargeting replaces one environment's targeting of a flag:
// PUT /flags/{id}/targeting/{environment}.
func (s *Server) putTargeting(w http.ResponseWriter, r *http.Request) {
	var t ff.Targeting
	ifMatch, ok := s.decodeWrite(w, r, &t)
	if !ok {
		return
	}
	f, err := s.svc.SetTargeting(r.Context(), r.PathValue("id"), r.PathValue("environment"), &t, ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	s.writeFlag(w, http.StatusOK, f)
}

// deleteTargeting removes one environment's targeting of a flag.
func (s *Server) deleteTargeting(w http.ResponseWriter, r *http.Request) {
	ifMatch, err := parseIfMatch(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := s.svc.SetTargeting(r.Context(), r.PathValue("id"), r.PathValue("environment"), nil, ifMatch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	s.writeFlag(w, http.StatusOK, f)
}
