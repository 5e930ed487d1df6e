package ascode

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	ff "github.com/featureflags/featureflags"
	"go.yaml.in/yaml/v3"
)

// Lines maps the field paths of a parsed file ("flags[2].targeting.x")
// to the lines they are on.
type Lines struct {
	file string
	at   map[string]int
}

// walk converts a YAML node to plain JSON values, recording each path's
// line.
func (l *Lines) walk(n *yaml.Node, path string) (any, error) {
	l.at[path] = n.Line
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return map[string]any{}, nil
		}
		return l.walk(n.Content[0], path)
	case yaml.MappingNode:
		return l.mapping(n, path)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := l.walk(c, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.AliasNode:
		return l.walk(n.Alias, path)
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, &Error{File: l.file, Line: n.Line, Field: path, Message: err.Error()}
	}
	return v, nil
}

func (l *Lines) mapping(n *yaml.Node, path string) (any, error) {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			return nil, &Error{File: l.file, Line: k.Line, Field: path, Message: "keys must be plain text"}
		}
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		if _, dup := out[k.Value]; dup {
			return nil, &Error{File: l.file, Line: k.Line, Field: p, Message: "key " + strconv.Quote(k.Value) + " appears twice"}
		}
		v, err := l.walk(n.Content[i+1], p)
		if err != nil {
			return nil, err
		}
		out[k.Value] = v
	}
	return out, nil
}

// Line returns the line of path, or of the nearest enclosing field.
func (l *Lines) Line(path string) int {
	for p := path; ; {
		if n, ok := l.at[p]; ok {
			return n
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return l.at[""]
		}
		p = p[:i]
	}
}

// Place turns an error about a field (a *ff.Error with a field path)
// into an Error with the file and line; other errors are returned as they
// are.
func (l *Lines) Place(err error) error {
	var fe *ff.Error
	if err == nil || !errors.As(err, &fe) {
		return err
	}
	return &Error{File: l.file, Line: l.Line(fe.Field), Field: fe.Field, Message: fe.Message}
}

// decodeError places a JSON decoding error: a type mismatch names its field,
// an unknown field its name.
func (l *Lines) decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		return &Error{File: l.file, Line: l.lineOfJSONField(field), Field: field, Message: "expected " + te.Type.String() + ", not " + te.Value}
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		name, _ := strconv.Unquote(msg[i+len("unknown field "):])
		return &Error{File: l.file, Line: l.lineOfKey(name), Field: name, Message: "unknown field " + strconv.Quote(name)}
	}
	return &Error{File: l.file, Line: 1, Message: msg}
}

// lineOfJSONField finds a path encoding/json names without indexes
// ("flags.targeting.x.rules.serve"): the first recorded path that matches
// it once the indexes are dropped.
func (l *Lines) lineOfJSONField(field string) int {
	best := 0
	for p, n := range l.at {
		if stripIndexes(p) == field && (best == 0 || n < best) {
			best = n
		}
	}
	if best == 0 {
		return 1
	}
	return best
}

// lineOfKey is the first line where a key of this name appears.
func (l *Lines) lineOfKey(name string) int {
	best := 0
	for p, n := range l.at {
		if (p == name || strings.HasSuffix(p, "."+name)) && (best == 0 || n < best) {
			best = n
		}
	}
	return max(best, 1)
}

func stripIndexes(p string) string {
	var b strings.Builder
	skip := false
	for _, c := range p {
		switch {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}
