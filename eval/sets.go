package eval

// smallSet is the list length up to which a linear scan beats hashing.
const smallSet = 8

// valueSet is the compiled operand of in and notIn: the list's strings,
// numbers and booleans, each kind in a slice when short and a map when long.
type valueSet struct {
	strs            []string
	strMap          map[string]struct{}
	nums            []float64
	numMap          map[float64]struct{}
	hasStr, hasNum  bool
	hasBool         bool
	trueIn, falseIn bool
}

func (s *valueSet) addString(v string) {
	s.hasStr = true
	s.strs = append(s.strs, v)
}

func (s *valueSet) addNumber(v float64) {
	s.hasNum = true
	s.nums = append(s.nums, v)
}

func (s *valueSet) addBool(v bool) {
	s.hasBool = true
	if v {
		s.trueIn = true
	} else {
		s.falseIn = true
	}
}

// seal turns long lists into maps once all values are added.
func (s *valueSet) seal() {
	if len(s.strs) > smallSet {
		s.strMap = make(map[string]struct{}, len(s.strs))
		for _, v := range s.strs {
			s.strMap[v] = struct{}{}
		}
		s.strs = nil
	}
	if len(s.nums) > smallSet {
		s.numMap = make(map[float64]struct{}, len(s.nums))
		for _, v := range s.nums {
			s.numMap[v] = struct{}{}
		}
		s.nums = nil
	}
}

// has reports whether v is in the set; ok is false when the list holds no
// value of v's kind, so that notIn does not match values it cannot compare.
func (s *valueSet) has(v any) (in, ok bool) {
	switch x := v.(type) {
	case string:
		if !s.hasStr {
			return false, false
		}
		if s.strMap != nil {
			_, in = s.strMap[x]
			return in, true
		}
		for _, e := range s.strs {
			if e == x {
				return true, true
			}
		}
		return false, true
	case bool:
		if !s.hasBool {
			return false, false
		}
		return x && s.trueIn || !x && s.falseIn, true
	}
	n, isNum := toNumber(v)
	if !isNum || !s.hasNum {
		return false, false
	}
	if s.numMap != nil {
		_, in = s.numMap[n]
		return in, true
	}
	for _, e := range s.nums {
		if e == n {
			return true, true
		}
	}
	return false, true
}
