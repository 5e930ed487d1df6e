package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"go.yaml.in/yaml/v3"
)

// write writes an answer in the chosen output format; columns are the
// table's for a list (every field of an object otherwise).
func (r *remote) write(data []byte, columns []string) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil // 204: nothing to show
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("the server's answer is not JSON: %v", err)
	}
	switch r.output {
	case "json":
		enc := json.NewEncoder(r.io.out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	case "yaml":
		return yaml.NewEncoder(r.io.out).Encode(yamlValue(v))
	}
	return writeTable(r.io.out, v, columns)
}

// yamlValue turns JSON numbers into YAML numbers rather than strings.
func yamlValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = yamlValue(e)
		}
	case []any:
		for i, e := range x {
			x[i] = yamlValue(e)
		}
	}
	return v
}

// writeTable writes a list of objects as rows of columns, an object as
// field and value lines.
func writeTable(out io.Writer, v any, columns []string) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	switch x := v.(type) {
	case []any:
		fmt.Fprintln(w, strings.ToUpper(strings.Join(columns, "\t")))
		for _, item := range x {
			obj, _ := item.(map[string]any)
			cells := make([]string, len(columns))
			for i, c := range columns {
				cells[i] = cell(obj[c])
			}
			fmt.Fprintln(w, strings.Join(cells, "\t"))
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\n", k, cell(x[k]))
		}
	default:
		fmt.Fprintln(w, cell(v))
	}
	return w.Flush()
}

// cell is a value as one table cell: strings bare, environments maps as
// "name:on" lists, anything else as compact JSON.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case map[string]any:
		if s, ok := states(x); ok {
			return s
		}
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// states writes a map of booleans as "a:on b:off", sorted.
func states(m map[string]any) (string, bool) {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		b, ok := v.(bool)
		if !ok {
			return "", false
		}
		parts = append(parts, k+":"+map[bool]string{true: "on", false: "off"}[b])
	}
	sort.Strings(parts)
	return strings.Join(parts, " "), len(parts) > 0
}
