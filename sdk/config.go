package sdk

import (
	"errors"
	"slices"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/wire"
)

var errNoEnvironment = errors.New("featureflags: the configuration names no environment")

// applySnapshot replaces the configuration with cfg. When it comes from the
// service the client is then up to date: subscribers hear of the state
// first, so that they see the new configuration with it. A cached cfg is
// only taken as the first configuration.
func (c *Client) applySnapshot(cfg *wire.Config, fromService bool) error {
	if cfg.Environment == "" {
		return errNoEnvironment
	}
	snap := eval.Compile(cfg.Flags, cfg.Segments, []string{cfg.Environment}, cfg.Revision)
	flags := make(map[string]*featureflags.Flag, len(cfg.Flags))
	for _, f := range cfg.Flags {
		if f != nil {
			flags[f.Name] = f
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	first := c.cur.Load() == nil
	if !fromService && !first { // the service answered first
		return nil
	}
	changed, names := true, []string(nil)
	if !first && c.env == cfg.Environment {
		changed, names = diff(c.flags, flags, c.segments, cfg.Segments)
	}
	c.rev, c.env, c.flags, c.segments = cfg.Revision, cfg.Environment, flags, cfg.Segments
	c.install(&compiled{snap: snap, env: cfg.Environment})
	if fromService {
		c.setStateLocked(StateReady, nil)
	}
	if changed && !first {
		c.emitLocked(Event{Type: EventConfigChanged, State: c.State(), Revision: c.rev, Flags: names})
	}
	return nil
}

// applyChange applies one change on top of the current configuration;
// changes the client already has are ignored.
func (c *Client) applyChange(ch *wire.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch.Revision <= c.rev {
		return
	}
	snap := c.cur.Load().snap
	var names []string
	for _, name := range ch.Delete {
		snap = snap.With(name, nil, ch.Revision)
		delete(c.flags, name)
		names = append(names, name)
	}
	for _, f := range ch.Upsert {
		if f == nil {
			continue
		}
		snap = snap.With(f.Name, f, ch.Revision)
		c.flags[f.Name] = f
		names = append(names, f.Name)
	}
	if snap.Revision() != ch.Revision { // an empty change still moves the revision
		snap = snap.With("", nil, ch.Revision)
	}
	c.rev = ch.Revision
	c.install(&compiled{snap: snap, env: c.env})
	c.emitLocked(Event{Type: EventConfigChanged, State: c.State(), Revision: c.rev, Flags: names})
}

// diff compares two configurations by flag and segment versions. Any
// segment change may affect any flag: names is nil then.
func diff(old, cur map[string]*featureflags.Flag, oldSegs, curSegs []*featureflags.Segment) (changed bool, names []string) {
	if !slices.EqualFunc(oldSegs, curSegs, func(a, b *featureflags.Segment) bool {
		return a != nil && b != nil && a.Name == b.Name && a.Version == b.Version
	}) {
		return true, nil
	}
	for name, f := range cur {
		if o, ok := old[name]; !ok || o.Version != f.Version || !o.UpdatedAt.Equal(f.UpdatedAt) {
			names = append(names, name)
		}
	}
	for name := range old {
		if _, ok := cur[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return len(names) > 0, names
}
