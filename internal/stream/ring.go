package stream

// ring is a bounded history of one environment's events, oldest first.
type ring struct {
	buf      []*Event
	start, n int
}

func newRing(size int) ring { return ring{buf: make([]*Event, size)} }

// push appends e and returns the event it evicted, if any.
func (r *ring) push(e *Event) (evicted *Event) {
	if len(r.buf) == 0 {
		return e
	}
	if r.n == len(r.buf) {
		evicted = r.buf[r.start]
		r.buf[r.start] = e
		r.start = (r.start + 1) % len(r.buf)
		return evicted
	}
	r.buf[(r.start+r.n)%len(r.buf)] = e
	r.n++
	return nil
}

// after returns the events whose revision is above rev, oldest first.
func (r *ring) after(rev int64) []*Event {
	var out []*Event
	for i := 0; i < r.n; i++ {
		if e := r.buf[(r.start+i)%len(r.buf)]; e.Revision > rev {
			out = append(out, e)
		}
	}
	return out
}

func (r *ring) reset() {
	clear(r.buf)
	r.start, r.n = 0, 0
}
