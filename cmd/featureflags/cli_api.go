package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// endpoint is a command over one API operation.
type endpoint struct {
	summary      string
	method, path string
	// args are the positional arguments: each fills the placeholder of its
	// name in path, or else the body field of its name.
	args []string
	// query are flags sent as query parameters.
	query []string
	// set are flags that set body fields.
	set map[string]setter
	// file accepts --file FILE (- for stdin): a JSON object the body
	// starts from, for what flags cannot say.
	file bool
	// ifMatch accepts --if-match VERSION (optimistic concurrency).
	ifMatch bool
	// columns are the table's columns (JSON fields) for lists.
	columns []string
}

// setter sets a body field from a flag's value.
type setter struct {
	usage string
	apply func(body map[string]any, v string)
}

func field(name, usage string) setter {
	return setter{usage, func(b map[string]any, v string) { b[name] = v }}
}

// number sets a JSON number; what does not parse is sent as given, for
// the server to refuse with its message.
func number(name, usage string) setter {
	return setter{usage, func(b map[string]any, v string) {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			b[name] = n
			return
		}
		b[name] = v
	}}
}

func list(name, usage string) setter {
	return setter{usage, func(b map[string]any, v string) { b[name] = strings.Split(v, ",") }}
}

// envState turns on (or off) the comma-separated environments given.
func envState(on bool) setter {
	what := map[bool]string{true: "on", false: "off"}[on]
	return setter{"environments to switch " + what + ", comma-separated", func(b map[string]any, v string) {
		envs, _ := b["environments"].(map[string]any)
		if envs == nil {
			envs = map[string]any{}
		}
		for _, e := range strings.Split(v, ",") {
			envs[strings.TrimSpace(e)] = on
		}
		b["environments"] = envs
	}}
}

// group is a command with subcommands, each over one endpoint; the
// subcommand "" is the command itself.
type group struct {
	name, summary string
	subs          map[string]endpoint
}

// runGroup runs the subcommand args[0] of g.
func (g group) run(ctx context.Context, args []string, io stdio) error {
	name := ""
	if _, self := g.subs[""]; !self || (len(args) > 0 && !strings.HasPrefix(args[0], "-")) {
		if len(args) == 0 {
			fmt.Fprint(io.err, g.usage())
			return errUsage
		}
		name, args = args[0], args[1:]
	}
	ep, ok := g.subs[name]
	if !ok {
		fmt.Fprintf(io.err, "unknown command %q\n\n%s", g.name+" "+name, g.usage())
		return errUsage
	}
	return ep.run(ctx, strings.TrimSpace(g.name+" "+name), args, io)
}

func (g group) usage() string {
	names := make([]string, 0, len(g.subs))
	for n := range g.subs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n")
	for _, n := range names {
		ep := g.subs[n]
		line := strings.TrimSpace(strings.Join(append([]string{g.name, n}, upper(ep.args)...), " "))
		fmt.Fprintf(&b, "  featureflags %-44s %s\n", line, ep.summary)
	}
	return b.String()
}

func upper(s []string) []string {
	out := make([]string, len(s))
	for i, a := range s {
		out[i] = strings.ToUpper(a)
	}
	return out
}

// run parses the flags of ep, sends its request and writes the answer.
func (ep endpoint) run(ctx context.Context, name string, args []string, io stdio) error {
	var fs *flag.FlagSet
	var vals map[string]*string
	r, rest, err := parseRemote(name, args, io, func(f *flag.FlagSet) {
		fs, vals = f, ep.flags(f)
		f.Usage = func() {
			fmt.Fprintf(io.err, "Usage: featureflags %s %s [flags]\n\n%s\n\n", name, strings.Join(upper(ep.args), " "), ep.summary)
			f.PrintDefaults()
		}
	})
	if err != nil || rest == nil {
		return err
	}
	if len(rest) != len(ep.args) {
		return fmt.Errorf("%s: want %d argument(s) (%s), got %d; see 'featureflags %s --help'", name, len(ep.args), strings.Join(upper(ep.args), " "), len(rest), name)
	}
	path, body, err := ep.request(rest, vals, fs, io)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	headers := map[string]string{}
	if v := vals["if-match"]; v != nil && *v != "" {
		headers["If-Match"] = `"` + strings.Trim(*v, `"`) + `"`
	}
	data, err := r.call(ctx, ep.method, path, body, headers)
	if err != nil {
		return err
	}
	return r.write(data, ep.columns)
}

// flags defines the flags of ep and returns their values.
func (ep endpoint) flags(fs *flag.FlagSet) map[string]*string {
	vals := map[string]*string{}
	for _, q := range ep.query {
		vals[q] = fs.String(q, "", "query parameter "+q)
	}
	for n, s := range ep.set {
		vals[n] = fs.String(n, "", s.usage)
	}
	if ep.file {
		vals["file"] = fs.String("file", "", "a JSON file with the request body (- for stdin); flags override its fields")
	}
	if ep.ifMatch {
		vals["if-match"] = fs.String("if-match", "", "the version last read: refused (412) if it changed since")
	}
	return vals
}

// request builds the path and body of ep from its arguments and flags.
func (ep endpoint) request(args []string, vals map[string]*string, fs *flag.FlagSet, io stdio) (string, any, error) {
	path, body := ep.path, map[string]any{}
	if f := vals["file"]; f != nil && *f != "" {
		data, err := readInput(*f, io.in)
		if err != nil {
			return "", nil, err
		}
		if err := json.Unmarshal(data, &body); err != nil {
			return "", nil, fmt.Errorf("--file %s: not a JSON object: %v", *f, err)
		}
	}
	for i, a := range ep.args {
		if ph := "{" + a + "}"; strings.Contains(path, ph) {
			path = strings.Replace(path, ph, url.PathEscape(args[i]), 1)
		} else {
			body[a] = args[i]
		}
	}
	q := url.Values{}
	fs.Visit(func(f *flag.Flag) {
		if s, ok := ep.set[f.Name]; ok {
			s.apply(body, f.Value.String())
		} else if slices.Contains(ep.query, f.Name) {
			q.Set(f.Name, f.Value.String())
		}
	})
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	if ep.method == "GET" || ep.method == "DELETE" {
		return path, nil, nil
	}
	return path, body, nil
}
