package ui

import (
	"fmt"
	"regexp"
	"strings"
)

// The page's modules are served joined into one script: over HTTP/1.1 a
// browser opens at most six connections to a server, so three dozen modules
// cost six or seven round trips before the page can ask for its data, and
// on a slow link that is most of the first load. The modules stay plain
// ES modules in the tree (and are served one by one too); bundle needs only
// the forms they use:
//
//	import { a, b as c } from './x.js';
//	export function f / export async function f / export const x / export class C
//
// and refuses anything else, and import cycles, so that a module the bundle
// cannot join fails the tests rather than the page.
var (
	importLine = regexp.MustCompile(`(?m)^import \{([^}]*)\} from '\./([\w.-]+\.js)';[ \t]*$`)
	exportDecl = regexp.MustCompile(`(?m)^export ((?:async )?function\*? *|const |class )([A-Za-z_$][\w$]*)`)
	otherForm  = regexp.MustCompile(`(?m)^(import|export)\b.*$`)
)

// module is one parsed module: its imports (module → "a, b: c" for a
// destructuring), exports and body with both removed.
type module struct {
	deps    []string
	imports map[string]string
	exports []string
	body    string
}

// bundle joins the module entry and every module it imports, read with
// read, into one script. Each module runs in its own function scope, in the
// order the browser would evaluate them (dependencies first, depth-first in
// import order), and takes its imports from the objects its dependencies
// returned: without cycles and without exported variables that change
// (export let), that is what the modules would see.
func bundle(entry string, read func(name string) ([]byte, error)) ([]byte, error) {
	var (
		out     strings.Builder
		done    = map[string]bool{}
		walking = map[string]bool{}
		visit   func(name, from string) error
	)
	out.WriteString("// The web UI's modules joined into one script by the server (internal/ui/bundle.go).\nconst ffModules = {};\n")
	visit = func(name, from string) error {
		if done[name] {
			return nil
		}
		if walking[name] {
			return fmt.Errorf("%s and %s import each other (an import cycle), which the bundle does not support", from, name)
		}
		walking[name] = true
		src, err := read(name)
		if err != nil {
			return err
		}
		m, err := parseModule(name, string(src))
		if err != nil {
			return err
		}
		for _, d := range m.deps {
			if err := visit(d, name); err != nil {
				return err
			}
		}
		fmt.Fprintf(&out, "\n// ---- %s ----\nffModules[%q] = (() => {\n", name, name)
		for _, d := range m.deps {
			fmt.Fprintf(&out, "const { %s } = ffModules[%q];\n", m.imports[d], d)
		}
		out.WriteString(m.body)
		fmt.Fprintf(&out, "\nreturn { %s };\n})();\n", strings.Join(m.exports, ", "))
		done[name] = true
		return nil
	}
	if err := visit(entry, ""); err != nil {
		return nil, err
	}
	return []byte(out.String()), nil
}

// parseModule reads the imports and exports of the module name.
func parseModule(name, src string) (*module, error) {
	m := &module{imports: map[string]string{}}
	for _, im := range importLine.FindAllStringSubmatch(src, -1) {
		var names []string
		for _, n := range strings.Split(im[1], ",") {
			if n = strings.TrimSpace(n); n != "" {
				orig, alias, renamed := strings.Cut(n, " as ")
				if renamed {
					n = strings.TrimSpace(orig) + ": " + strings.TrimSpace(alias)
				}
				names = append(names, n)
			}
		}
		if _, twice := m.imports[im[2]]; twice {
			return nil, fmt.Errorf("%s imports from %s twice", name, im[2])
		}
		m.deps = append(m.deps, im[2])
		m.imports[im[2]] = strings.Join(names, ", ")
	}
	body := importLine.ReplaceAllString(src, "")
	for _, ex := range exportDecl.FindAllStringSubmatch(body, -1) {
		m.exports = append(m.exports, ex[2])
	}
	body = exportDecl.ReplaceAllString(body, "$1$2")
	if rest := otherForm.FindString(body); rest != "" {
		return nil, fmt.Errorf("%s: the bundle does not support %q: use import { ... } from './x.js' and export function/const/class", name, rest)
	}
	m.body = body
	return m, nil
}
