package eval

import "slices"

// EvaluateAllUntil is EvaluateAll that stops between flags once done is
// closed (a request whose client went away), reporting whether it
// finished: a costly context is not evaluated against every remaining flag
// for nobody.
func (s *Snapshot) EvaluateAllUntil(env string, ctx Context, dst []Result, done <-chan struct{}) ([]Result, bool) {
	t := s.env(env)
	if t == nil {
		return dst, true
	}
	dst = slices.Grow(dst, t.flags.Len())
	for _, f := range t.flags.All() {
		select {
		case <-done:
			return dst, false
		default:
		}
		dst = append(dst, *s.count(f.evaluate(t, ctx)))
	}
	return dst, true
}
