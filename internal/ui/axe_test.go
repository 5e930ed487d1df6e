package ui_test

// axe-core, the accessibility checker, run inside the page by the browser
// tests. It is an npm package pinned in testdata/axe (package.json and
// package-lock.json); `npm ci` there installs it (.ci/run does).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// axeScript is axe.min.js. When it is not installed the test is skipped,
// or fails when CI is set.
func axeScript(t *testing.T) string {
	t.Helper()
	src, err := axeSource()
	if err == nil {
		return src
	}
	msg := fmt.Sprintf("axe-core is not installed, so the accessibility checks cannot run: run `npm ci` in internal/ui/testdata/axe (%v)", err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// axeViolation is one rule axe found broken, with the elements breaking it.
type axeViolation struct {
	ID     string
	Impact string
	Help   string
	Nodes  []struct {
		Target         []any
		FailureSummary string
	}
}

// checkAxe runs axe-core on the page as it is and fails the test for
// every violation, of any impact, listing each element and why.
func (b *browser) checkAxe(screen string) {
	b.t.Helper()
	src := axeScript(b.t)
	if !evalJS[bool](b, "axe-core loaded", `window.axe !== undefined`) {
		b.eval("load axe-core", src+"\n;true")
	}
	b.wait("a painted frame", `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe-core on %s: %v", screen, err)
	}
	for _, v := range vs {
		var els []string
		for _, n := range v.Nodes {
			els = append(els, fmt.Sprintf("    %v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		b.t.Errorf("%s: accessibility violation %s (%s): %s\n%s", screen, v.ID, v.Impact, v.Help, strings.Join(els, "\n"))
	}
}
