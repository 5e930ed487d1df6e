package service

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Live updates. Every view the service installs — after a write of its
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
// and otherwise through Poll and management reads (SQLite, which one
// process uses).

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

// Publisher hears of every change of the service's view. Publish is called
// with the service's write lock held and must not block.
type Publisher interface {
	Publish(c *Change)
}

// maxChangeFlags bounds the flags of one published change; more (an
// import, say) are published as a Reset.
const maxChangeFlags = 256

// live is the service's publishers, copied on write so that installing a
// view reads them without a lock.
type live struct {
	mu   sync.Mutex
	pubs atomic.Pointer[[]Publisher]
}

// AddPublisher makes p hear of every change of the view from now on, until
// remove is called.
func (s *Service) AddPublisher(p Publisher) (remove func()) {
	l := &s.live
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
// before; s.mu is held. at is when the change was committed or heard of.
func (s *Service) install(v *view, at time.Time) {
	old := s.view.Load()
	s.view.Store(v)
	pubs := s.live.pubs.Load()
	if pubs == nil || len(*pubs) == 0 || old == v {
		return
	}
	c := diff(old, v, at)
	if old != nil && c.Revision == old.revision && !c.Reset && len(c.Upsert) == 0 && len(c.Delete) == 0 {
		return // read again, nothing new
	}
	for _, p := range *pubs {
		p.Publish(c)
	}
}

// diff describes how v differs from old (nil for none).
func diff(old, v *view, at time.Time) *Change {
	c := &Change{From: -1, Revision: v.revision, Time: at, Environments: v.envNames}
	if old == nil {
		c.Reset = true
		return c
	}
	c.From = old.revision
	if !slices.Equal(old.envNames, v.envNames) {
		c.Reset = true
		c.Environments = slices.Clone(v.envNames)
		for _, e := range old.envNames {
			if !slices.Contains(c.Environments, e) {
				c.Environments = append(c.Environments, e)
			}
		}
		return c
	}
	if !slices.EqualFunc(old.segments, v.segments, segmentEqual) {
		c.Reset = true
		return c
	}
	// Both lists are ordered by name: walk them side by side.
	a, b := old.flags, v.flags
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
func (s *Service) Live() (Live, bool) {
	v := s.view.Load()
	if v == nil {
		return Live{}, false
	}
	return Live{Revision: v.revision, Environments: v.envNames, Flags: v.flags, Segments: v.segments}, true
}

// TokenActive reports whether the token with this hash is, in the latest
// view, still there, unrevoked and unexpired: streams opened with a token
// end when it stops being so.
func (s *Service) TokenActive(hash string) bool {
	v := s.view.Load()
	if v == nil {
		return false
	}
	t, ok := v.tokens[hash]
	return ok && t.RevokedAt == nil && (t.ExpiresAt == nil || s.now().Before(*t.ExpiresAt))
}

// revisionWatcher is what a store implements when it can announce the
// changes committed through any process as they commit.
type revisionWatcher interface {
	// WatchRevisions calls notify with the revision of every change
	// committed from when it starts listening until ctx ends or the
	// connection fails, and returns why it stopped. Once it listens it
	// calls notify(0): changes may have been missed before (a first start
	// or a reconnection), so the caller must check the store's revision.
	// notify never blocks.
	WatchRevisions(ctx context.Context, notify func(revision int64)) error
}

// Following backs off between attempts to watch a failed store from
// followMinBackoff up to followMaxBackoff.
const (
	followMinBackoff = 100 * time.Millisecond
	followMaxBackoff = 5 * time.Second
)

// Follow keeps the view current with the changes other processes commit,
// as the store announces them, until ctx ends: each announcement (or burst
// of them) reloads the view, and the reload publishes the difference. After
// every reconnection it checks the store's revision, so nothing committed
// meanwhile is missed. It waits for a store while the service has none,
// and returns at once when the store cannot announce changes (SQLite): Poll
// and management reads bring changes in then. Failures go to report.
func (s *Service) Follow(ctx context.Context, report func(error)) {
	var (
		wake    = make(chan struct{}, 1)
		latest  atomic.Int64 // the highest revision announced
		check   atomic.Bool  // the store's revision must be read
		heard   atomic.Int64 // Unix ns of the first announcement not acted on
		stopped = make(chan struct{})
	)
	notify := func(rev int64) {
		heard.CompareAndSwap(0, time.Now().UnixNano())
		if rev <= 0 {
			check.Store(true)
		}
		for cur := latest.Load(); rev > cur && !latest.CompareAndSwap(cur, rev); cur = latest.Load() {
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go func() {
		defer close(stopped)
		s.watch(ctx, notify, report)
	}()
	for {
		select {
		case <-ctx.Done():
			<-stopped
			return
		case <-stopped:
			return
		case <-wake:
		}
		at := time.Now()
		if ns := heard.Swap(0); ns != 0 {
			at = time.Unix(0, ns)
		}
		want := latest.Load()
		if check.Swap(false) {
			want = 0 // read the store's revision
		}
		// The process's own changes are in the view already: catchUp
		// returns at once for them.
		if err := s.catchUp(ctx, at, want); err != nil && ctx.Err() == nil && report != nil {
			report(err)
		}
	}
}

// watch runs the store's WatchRevisions until ctx ends, again after every
// failure, backing off.
func (s *Service) watch(ctx context.Context, notify func(int64), report func(error)) {
	backoff := followMinBackoff
	for ctx.Err() == nil {
		st := s.attached()
		if st == nil { // no store yet: Attach gives it one
			if !sleepCtx(ctx, followMinBackoff) {
				return
			}
			continue
		}
		w, ok := st.(revisionWatcher)
		if !ok {
			return
		}
		listened := false // it got as far as listening: reconnect at once
		err := w.WatchRevisions(ctx, func(rev int64) { listened = true; notify(rev) })
		if ctx.Err() != nil {
			return
		}
		if err != nil && report != nil {
			report(err)
		}
		if listened {
			backoff = followMinBackoff
		}
		if !sleepCtx(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, followMaxBackoff)
	}
}

// attached returns the store the service works on, nil while it has none.
func (s *Service) attached() ff.Store {
	if r := s.store.p.Load(); r != nil {
		return r.Store
	}
	return nil
}

// catchUp reloads the view unless it has reached want, the revision
// announced, or, when want is 0, the store's revision.
func (s *Service) catchUp(ctx context.Context, at time.Time, want int64) error {
	if want <= 0 {
		var err error
		if want, err = s.store.Revision(ctx); err != nil {
			return err
		}
	}
	if v := s.view.Load(); v != nil && v.revision >= want {
		return nil
	}
	// Read outside the write lock, so that this process's writes need not
	// wait for it; install only if nothing newer was installed meanwhile.
	d, err := s.store.Load(ctx)
	if err != nil {
		return err
	}
	tokens, err := s.store.ListTokens(ctx)
	if err != nil {
		return err
	}
	next := newView(d, tokens)
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.view.Load(); v != nil && v.revision >= next.revision {
		return nil
	}
	s.install(next, at)
	return nil
}

// sleepCtx waits for d or ctx to end; false means ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
