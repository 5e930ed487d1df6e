package ui_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A page of another origin, open in the same browser, tries what a web
// page can do to a server without a token: "simple" requests that need no
// CORS preflight (text/plain, a form post, a body without a type) and a
// JSON one. None of them may change anything.
func TestCrossSitePageCannotWrite(t *testing.T) {
	s := newServer(t)
	target := s.URL()
	attack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><title>elsewhere</title>
<form id="f" method="POST" action="`+target+`/environments" enctype="text/plain" target="sink">
<input name='{"name":"evil","x":"' value='"}'></form><iframe name="sink"></iframe>`)
	}))
	t.Cleanup(attack.Close)
	// localhost is another site than 127.0.0.1 to the browser.
	page := strings.Replace(attack.URL, "127.0.0.1", "localhost", 1)

	b := newBrowser(t, s)
	b.do("open the other site", chromedp.Navigate(page))
	b.eval("send the requests", fmt.Sprintf(`(() => {
		const to = %s;
		const quiet = p => p.then(() => 'sent', e => 'failed');
		window.results = null;
		Promise.all([
			quiet(fetch(to + '/flags', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: '{"name":"evil-text"}'})),
			quiet(fetch(to + '/tokens', {method: 'POST', mode: 'no-cors', body: new URLSearchParams({name: 'evil', role: 'admin'})})),
			quiet(fetch(to + '/flags', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"name":"evil-json"}'})),
			// A Blob without a type is sent with no Content-Type at all.
			quiet(fetch(to + '/tokens', {method: 'POST', mode: 'no-cors', body: new Blob(['{"name":"evil","role":"admin"}'])})),
			quiet(fetch(to + '/flags', {method: 'POST', mode: 'no-cors', body: new Blob(['{"name":"evil-blob"}'])})),
		]).then(r => { window.results = r; });
		document.getElementById('f').submit();
	})()`, js(target)))
	b.wait("the requests to finish", `window.results !== null && window.results.length === 5`)
	b.wait("the form post to be answered", `(() => { try { return frames.sink.location.href === 'about:blank' ? false : true } catch (e) { return true } })()`)

	r := s.Client.Expect(http.StatusOK, "GET", "/flags", nil)
	var flags []flag
	if err := json.Unmarshal(r.Body, &flags); err != nil || len(flags) != 0 {
		t.Fatalf("the other site's page created flags: %s", r.Body)
	}
	if s.Svc.AuthRequired() {
		t.Fatal("the other site's page created a token")
	}
	var envs []struct{ Name string }
	s.Client.Expect(http.StatusOK, "GET", "/environments", nil).JSON(t, &envs)
	if len(envs) != 3 {
		t.Fatalf("the other site's form created an environment: %+v", envs)
	}
}
