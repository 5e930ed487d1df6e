package eval

import "slices"

// EvaluateAllUntil is EvaluateAll that stops once done is closed (a request
// whose client went away), reporting whether it finished: a costly context
// is not evaluated against every remaining flag for nobody. It looks at done
// before the first flag and every cancelEvery flags after, so that the check
// costs little beside evaluations of a few hundred instructions.
func (s *Snapshot) EvaluateAllUntil(env string, ctx Context, dst []Result, done <-chan struct{}) ([]Result, bool) {
	t := s.env(env)
	if t == nil {
		return dst, true
	}
	dst = slices.Grow(dst, t.flags.Len())
	v := view{ctx: ctx, memo: beginBulk()}
	defer endMemo(v.memo)
	i := 0
	for _, f := range t.flags.All() {
		if done != nil && i%cancelEvery == 0 {
			select {
			case <-done:
				return dst, false
			default:
			}
		}
		i++
		dst = append(dst, *s.count(f.evaluate(t, v)))
	}
	return dst, true
}

// cancelEvery is how many flags EvaluateAllUntil evaluates between looks at
// its done channel: a few microseconds of work at most.
const cancelEvery = 32
