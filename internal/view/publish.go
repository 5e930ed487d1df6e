package view

import (
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Live updates. Every view the keeper installs — after a write of its
// own, or a reload that picks up what other processes wrote — is compared
// with the one before it, and the difference goes to the publishers (the
// server's stream hub) with the write lock held: so they hear of changes in
// increasing revision order, each once, and only after the view shows them,
// so that a stream which reads the view on hearing of a revision finds it
// there.
//
// Other processes' changes reach the view through Follow, when the store
// can announce them as they commit (PostgreSQL: LISTEN/NOTIFY; MongoDB:
// change streams, or polling its revision where the deployment has none),
// and otherwise through Current, which management reads and the server's
// periodic refresh call (SQLite, which one process uses).

// Change is how one view differs from the one before it.
type Change struct {
	// From is the revision of the view before (-1 for the first view);
	// Revision the revision of the new one. Changes that other processes
	// committed may arrive together: From+1 < Revision.
	From, Revision int64
	// Time is when the change was committed or, for other processes'
	// changes, when this one heard of them; it feeds the propagation lag.
	Time time.Time
	// Environments are the environments whose streams hear of the change:
	// those of the new view and, on a Reset, those of the old one too.
	Environments []string
	// Upsert holds the flags created or changed, with every environment
	// (shared with the view: read-only), and Delete the names of the flags
	// deleted or renamed away. Both are empty when only other things
	// changed (tokens, say) and on a Reset.
	Upsert []*ff.Flag
	Delete []string
	// Reset says that segments or environments changed, or too many flags
	// to list, or that there was no view before: streams should send whole
	// snapshots.
	Reset bool
}

// Publisher hears of every change of the keeper's view. Publish is called
// with the keeper's write lock held and must not block.
type Publisher interface {
	Publish(c *Change)
}

// maxChangeFlags bounds the flags of one published change; more (an
// import, say) are published as a Reset.
const maxChangeFlags = 256

// publishers are who hear of every new view, copied on write so that
// installing a view reads them without a lock.
type publishers struct {
	mu   sync.Mutex
	pubs atomic.Pointer[[]Publisher]
}

// AddPublisher makes p hear of every change of the view from now on, until
// remove is called.
func (k *Keeper) AddPublisher(p Publisher) (remove func()) {
	l := &k.pubs
	l.mu.Lock()
	defer l.mu.Unlock()
	var cur []Publisher
	if old := l.pubs.Load(); old != nil {
		cur = *old
	}
	next := append(slices.Clip(cur), p)
	l.pubs.Store(&next)
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			cur := *l.pubs.Load()
			if i := slices.Index(cur, p); i >= 0 {
				next := slices.Delete(slices.Clone(cur), i, i+1)
				l.pubs.Store(&next)
			}
		})
	}
}

// install makes v the view and publishes how it differs from the one
// before; k.mu is held. at is when the change was committed or heard of.
func (k *Keeper) install(v *View, at time.Time) {
	old := k.view.Load()
	k.view.Store(v)
	reportProblems(k.log, old, v)
	pubs := k.pubs.pubs.Load()
	if pubs == nil || len(*pubs) == 0 || old == v {
		return
	}
	c := diff(old, v, at)
	if old != nil && c.Revision == old.Revision && !c.Reset && len(c.Upsert) == 0 && len(c.Delete) == 0 {
		return // read again, nothing new
	}
	for _, p := range *pubs {
		p.Publish(c)
	}
}

// diff describes how v differs from old (nil for none).
func diff(old, v *View, at time.Time) *Change {
	c := &Change{From: -1, Revision: v.Revision, Time: at, Environments: v.EnvNames}
	if old == nil {
		c.Reset = true
		return c
	}
	c.From = old.Revision
	if !slices.Equal(old.EnvNames, v.EnvNames) {
		c.Reset = true
		c.Environments = slices.Clone(v.EnvNames)
		for _, e := range old.EnvNames {
			if !slices.Contains(c.Environments, e) {
				c.Environments = append(c.Environments, e)
			}
		}
		return c
	}
	if !slices.EqualFunc(old.Segments, v.Segments, segmentEqual) {
		c.Reset = true
		return c
	}
	if v.patch != nil && v.parent == old.seq {
		if v.patch.upsert != nil {
			c.Upsert = []*ff.Flag{v.patch.upsert}
		}
		if v.patch.deleted != "" {
			c.Delete = []string{v.patch.deleted}
		}
		return c
	}
	// Both lists are ordered by name: walk them side by side.
	a, b := old.Flags(), v.Flags()
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0].Name < b[0].Name):
			c.Delete = append(c.Delete, a[0].Name)
			a = a[1:]
		case len(a) == 0 || b[0].Name < a[0].Name:
			c.Upsert = append(c.Upsert, b[0])
			b = b[1:]
		default:
			if !flagEqual(a[0], b[0]) {
				c.Upsert = append(c.Upsert, b[0])
			}
			a, b = a[1:], b[1:]
		}
	}
	if len(c.Upsert)+len(c.Delete) > maxChangeFlags {
		c.Upsert, c.Delete, c.Reset = nil, nil, true
	}
	return c
}

// flagEqual reports whether two flags of the same name are the same. Views
// share the flags that did not change, so the pointers are usually equal;
// after a reload everything is compared, as an import may replace a flag
// by another of the same version.
func flagEqual(a, b *ff.Flag) bool {
	if a == b {
		return true
	}
	return a.ID == b.ID && a.Version == b.Version && a.UpdatedAt.Equal(b.UpdatedAt) && a.CreatedAt.Equal(b.CreatedAt) &&
		a.Name == b.Name && a.Description == b.Description && a.Type == b.Type &&
		reflect.DeepEqual(a.Variants, b.Variants) && reflect.DeepEqual(a.Environments, b.Environments) &&
		reflect.DeepEqual(a.Targeting, b.Targeting) && slices.Equal(a.Tags, b.Tags)
}

func segmentEqual(a, b *ff.Segment) bool {
	if a == b {
		return true
	}
	return a != nil && b != nil && a.ID == b.ID && a.Name == b.Name && a.Version == b.Version &&
		a.UpdatedAt.Equal(b.UpdatedAt) && a.Description == b.Description && a.Match == b.Match &&
		reflect.DeepEqual(a.Conditions, b.Conditions)
}

// Live is the latest view as streams serve it. It is shared: callers must
// not change it or anything in it.
type Live struct {
	Revision     int64
	Environments []string
	Flags        []*ff.Flag // every environment's state and targeting; project them
	Segments     []*ff.Segment
}

// Live returns the latest view without touching the store, or false before
// the first one.
func (k *Keeper) Live() (Live, bool) {
	v := k.view.Load()
	if v == nil {
		return Live{}, false
	}
	return Live{Revision: v.Revision, Environments: v.EnvNames, Flags: v.Flags(), Segments: v.Segments}, true
}
