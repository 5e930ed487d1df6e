package ui_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestWhoChangedIt: the list and the flag page say who changed a flag
// last; a change by someone else while the list is open shows a notice
// naming them and the change, and highlights the row.
func TestWhoChangedIt(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	bob := s.As(s.NewToken(ff.RoleEditor, "", "bob"))
	carol := s.As(s.NewToken(ff.RoleEditor, "", "carol"))
	bob.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "checkout"})
	bob.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "search"})

	b := newBrowser(t, s)
	b.signIn(s.Token)
	b.wait("two rows", `document.querySelectorAll('.fwin .frow').length === 2`)
	if got := b.text(".fwin .frow .fupd"); got != "just now by bob" {
		t.Fatalf("changed column %q, want \"just now by bob\"", got)
	}
	carol.Expect(http.StatusOK, "POST", "/flags/checkout/toggle", map[string]any{"environment": "staging"})
	b.wait("the notice", `!!document.querySelector('.toast .remote-notice')`)
	if got := b.text(".toast .remote-notice"); got != "carol turned checkout on in staging." {
		t.Fatalf("notice %q", got)
	}
	row := evalJS[string](b, "the highlighted row", `[...document.querySelectorAll('.fwin .frow.remote-change')].map(r => r.querySelector('[data-col="name"]').textContent).join()`)
	if row != "checkout" {
		t.Fatalf("highlighted rows %q, want checkout", row)
	}
	if got := b.text(`.fwin .frow.remote-change .fupd`); !strings.HasSuffix(got, "by carol") {
		t.Fatalf("changed column after carol's toggle %q", got)
	}
	// The screenshot keeps the notice (shot dismisses passing messages).
	b.do("screenshot with the notice", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(screenshotDir(t), "flags-remote-change.png"), img, 0o644)
	}))

	b.route("#/flags/checkout")
	b.wait("the flag page", `document.querySelector('.flag-changed')?.textContent === 'Changed just now by carol'`)
}
