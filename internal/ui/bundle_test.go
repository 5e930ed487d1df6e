package ui

import (
	"fmt"
	"strings"
	"testing"
)

// TestBundle joins the UI's own modules, and small ones that show the
// order, the renamed imports and what the bundle refuses.
func TestBundle(t *testing.T) {
	if _, err := bundle("app.js", func(name string) ([]byte, error) { return files.ReadFile("assets/" + name) }); err != nil {
		t.Fatalf("the UI's modules: %v", err)
	}
	from := func(srcs map[string]string) func(string) ([]byte, error) {
		return func(name string) ([]byte, error) {
			src, ok := srcs[name]
			if !ok {
				return nil, fmt.Errorf("no module %s", name)
			}
			return []byte(src), nil
		}
	}
	got, err := bundle("a.js", from(map[string]string{
		"a.js": "import { f as g, K } from './b.js';\nimport { h } from './c.js';\nconsole.log(g(K), h());\n",
		"b.js": "import { h } from './c.js';\nexport const K = 1;\nexport async function f(x) { return x + h(); }\n",
		"c.js": "export function h() { return 2; }\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	// c before b before a, each once; imports taken from the modules' answers.
	order := []string{`ffModules["c.js"] = `, `return { h };`, `ffModules["b.js"] = `, `const { h } = ffModules["c.js"];`,
		`const K = 1;`, `async function f(x)`, `return { K, f };`, `ffModules["a.js"] = `, `const { f: g, K } = ffModules["b.js"];`, `return {  };`}
	at := 0
	for _, want := range order {
		i := strings.Index(s[at:], want)
		if i < 0 {
			t.Fatalf("the bundle lacks %q after offset %d:\n%s", want, at, s)
		}
		at += i + len(want)
	}
	if strings.Count(s, `ffModules["c.js"] = `) != 1 || strings.Contains(s, "import ") || strings.Contains(s, "export ") {
		t.Fatalf("c.js twice, or an import or export left:\n%s", s)
	}

	for name, srcs := range map[string]map[string]string{
		"a cycle":        {"a.js": "import { x } from './b.js';\n", "b.js": "import { y } from './a.js';\nexport const x = 1;\n"},
		"export default": {"a.js": "export default function f() {}\n"},
		"export let":     {"a.js": "export let n = 1;\n"},
		"import *":       {"a.js": "import * as b from './b.js';\n", "b.js": ""},
		"a missing file": {"a.js": "import { x } from './nope.js';\n"},
	} {
		if _, err := bundle("a.js", from(srcs)); err == nil {
			t.Errorf("%s: joined, want an error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
