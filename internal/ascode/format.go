// Package ascode is flags-as-code: the declarative file format (YAML or
// JSON, the export format made pleasant to write by hand) and the plan that
// compares a file with what a server holds.
//
// A file holds environments (names, or the export's objects), segments and
// flags, each identified by name; ids, versions and times, which the export
// carries, are accepted and ignored, so that an export is a valid file.
package ascode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	ff "github.com/featureflags/featureflags"
	"go.yaml.in/yaml/v3"
)

// Error is a problem in a file, placed by line and field path.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Message)
}

// file is the format: the export's dataset, with environments also
// allowed as plain names.
type file struct {
	Environments []environment `json:"environments"`
	Flags        []*ff.Flag    `json:"flags"`
	Segments     []*ff.Segment `json:"segments"`
	Revision     int64         `json:"revision,omitempty"`
}

type environment struct{ ff.Environment }

// UnmarshalJSON accepts "name" as well as {"name": ...}.
func (e *environment) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Name)
	}
	type plain ff.Environment
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(&e.Environment))
}

// Parse reads a file (YAML, of which JSON is a subset) into a dataset. name
// is the file's name, for errors; they give its line and the field's path,
// and so do the errors of Validate.
func Parse(name string, data []byte) (*ff.Dataset, *Lines, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, &Error{File: name, Line: yamlLine(err), Message: err.Error()}
	}
	lines := &Lines{file: name, at: map[string]int{}}
	v, err := lines.walk(&root, "")
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, nil, &Error{File: name, Line: 1, Message: err.Error()}
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, nil, lines.decodeError(err)
	}
	d := &ff.Dataset{Flags: f.Flags, Segments: f.Segments, Environments: []*ff.Environment{}}
	for _, e := range f.Environments {
		d.Environments = append(d.Environments, &ff.Environment{Name: e.Name, CreatedAt: e.CreatedAt})
	}
	if d.Flags == nil {
		d.Flags = []*ff.Flag{}
	}
	if d.Segments == nil {
		d.Segments = []*ff.Segment{}
	}
	return d, lines, nil
}

// yamlLine digs the line out of a YAML syntax error ("yaml: line 3: ...").
func yamlLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		if j := strings.IndexAny(rest, ":,"); j > 0 {
			if n, convErr := strconv.Atoi(rest[:j]); convErr == nil {
				return n
			}
		}
	}
	return 1
}
