package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/service"
)

// scheduleRoutes are the routes of scheduled changes: the same role that
// may make a change may schedule or cancel it.
func (s *Server) scheduleRoutes() []route {
	return []route{
		{"GET", "/flags/{id}/schedules", read, s.listFlagSchedules},
		{"POST", "/flags/{id}/schedules", write, s.createSchedule},
		{"DELETE", "/flags/{id}/schedules/{schedule}", write, s.cancelSchedule},
		{"GET", "/schedules", read, s.listSchedules},
	}
}

// scheduleRequest is the body of POST /flags/{id}/schedules.
type scheduleRequest struct {
	Environment string        `json:"environment"`
	Steps       []stepRequest `json:"steps"`
}

// stepRequest is one step: runAt an RFC 3339 time.
type stepRequest struct {
	RunAt  string             `json:"runAt"`
	Change ff.ScheduledChange `json:"change"`
}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request) {
	var req scheduleRequest
	ifMatch, ok := s.decodeWrite(w, r, &req)
	if !ok {
		return
	}
	in, err := req.input()
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	in.IfMatch = ifMatch
	sc, err := s.svc.CreateSchedule(r.Context(), r.PathValue("id"), in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/flags/"+sc.FlagID+"/schedules/"+sc.ID)
	httpx.WriteJSON(w, http.StatusCreated, sc)
}

func (req *scheduleRequest) input() (service.ScheduleInput, error) {
	if req.Environment == "" {
		return service.ScheduleInput{}, ff.FieldErrorf("environment", `environment is required, e.g. "production"`)
	}
	return req.steps("")
}

// steps reads the request's steps, their fields named under prefix; the
// environment is taken as given (empty: unchanged, in an edit).
func (req *scheduleRequest) steps(prefix string) (service.ScheduleInput, error) {
	in := service.ScheduleInput{Environment: req.Environment, Steps: make([]ff.ScheduleStep, len(req.Steps))}
	for i, st := range req.Steps {
		field := fmt.Sprintf("%ssteps[%d].runAt", prefix, i)
		if st.RunAt == "" {
			return in, ff.FieldErrorf(field, "%s is required: when the change is to be made (RFC 3339)", field)
		}
		at, err := time.Parse(time.RFC3339Nano, st.RunAt)
		if err != nil {
			return in, ff.FieldErrorf(field, "%s must be an RFC 3339 time such as 2026-07-01T09:00:00Z", field)
		}
		in.Steps[i] = ff.ScheduleStep{RunAt: at, Change: st.Change}
	}
	return in, nil
}

func (s *Server) cancelSchedule(w http.ResponseWriter, r *http.Request) {
	sc, err := s.svc.CancelSchedule(r.Context(), r.PathValue("id"), r.PathValue("schedule"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, sc)
}

func (s *Server) listFlagSchedules(w http.ResponseWriter, r *http.Request) {
	s.writeSchedules(w, r, r.PathValue("id"))
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) {
	s.writeSchedules(w, r, "")
}

// writeSchedules answers the schedules of flag (every flag's if ""),
// only those still to run with ?pending=true.
func (s *Server) writeSchedules(w http.ResponseWriter, r *http.Request, flag string) {
	pending := false
	if v := r.URL.Query().Get("pending"); v != "" {
		var err error
		if pending, err = strconv.ParseBool(v); err != nil {
			httpx.Error(w, r, ff.FieldErrorf("pending", "pending must be true or false"))
			return
		}
	}
	list, err := s.svc.ListSchedules(r.Context(), flag, pending)
	writeList(w, r, list, err)
}
