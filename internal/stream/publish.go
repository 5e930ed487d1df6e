package stream

import (
	"time"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/wire"
)

// PublishFlag publishes one committed flag change to every environment in
// envs: f (nil for a deletion) projected to each, and oldName deleted when
// the flag was deleted or renamed from it.
func (h *Hub) PublishFlag(envs []string, revision int64, at time.Time, oldName string, f *featureflags.Flag) {
	for _, env := range envs {
		ev := Event{Revision: revision, Time: at}
		if f != nil {
			ev.Upsert = []*featureflags.Flag{wire.Project(f, env)}
		}
		if oldName != "" && (f == nil || f.Name != oldName) {
			ev.Delete = []string{oldName}
		}
		h.Publish(env, ev)
	}
}

// PublishReset tells every environment in envs to take a full snapshot at
// revision: for segment changes, imports and anything else that is not one
// flag.
func (h *Hub) PublishReset(envs []string, revision int64, at time.Time) {
	for _, env := range envs {
		h.Publish(env, Event{Revision: revision, Time: at, Reset: true})
	}
}
