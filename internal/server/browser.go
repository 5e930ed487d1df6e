package server

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/httpx"
)

// Browsers. Without a token the server trusts every request that reaches
// it, and a web page in a browser on the same machine can reach it: with a
// "simple" cross-origin POST (a form or text/plain body, no preflight), or
// by DNS rebinding (its own name resolving to 127.0.0.1, so that its
// requests are same-origin to the browser). Three checks close both:
//
//   - The Host header must name this server (hostGuard), which DNS
//     rebinding cannot fake: the browser sends the attacker's name.
//   - Management writes must declare a JSON body, which a page can only
//     send cross-origin after a CORS preflight this server never grants.
//   - Management writes carrying Sec-Fetch-Site or Origin must come from
//     this server's own origin or a trusted one (http.CrossOriginProtection).
//
// The UI keeps its bearer token in the page's storage and sends it in the
// Authorization header; no cookie grants anything, so a cross-site request
// carries no credentials a page did not put there itself.

// browserGuard holds the Host allow-list and the cross-origin check.
type browserGuard struct {
	hosts map[string]bool // nil: any Host
	cop   *http.CrossOriginProtection
}

// newBrowserGuard allows the Host names in hosts (any when empty) and
// trusts writes from the origins http(s)://entry of each entry of origins
// (host or host:port, see ValidateOrigin).
func newBrowserGuard(hosts, origins []string) *browserGuard {
	g := &browserGuard{cop: http.NewCrossOriginProtection()}
	if len(hosts) > 0 {
		g.hosts = map[string]bool{}
		for _, h := range hosts {
			g.hosts[hostname(h)] = true
		}
	}
	for _, o := range origins {
		for _, scheme := range []string{"http://", "https://"} {
			if err := g.cop.AddTrustedOrigin(scheme + o); err != nil {
				panic("server: trusted origin " + strconv.Quote(o) + ": " + err.Error())
			}
		}
	}
	return g
}

// ValidateOrigin checks an entry of Config.TrustedOrigins: a host name or
// address, with an optional port.
func ValidateOrigin(entry string) error {
	if entry == "" || strings.ContainsAny(entry, "/?#@ *") {
		return fmt.Errorf("%q is not a host or host:port", entry)
	}
	return http.NewCrossOriginProtection().AddTrustedOrigin("https://" + entry)
}

// hostname is host without its port and brackets, in lower case.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	return strings.ToLower(host)
}

// hostGuard answers 403 to a request whose Host header is not allowed.
func (g *browserGuard) hostGuard(next http.Handler) http.Handler {
	if g.hosts == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hosts[hostname(r.Host)] {
			httpx.Error(w, r, &ff.Error{Code: ff.EFORBIDDEN, Limit: LimitAllowedHosts,
				Message: "the Host header " + quote(r.Host) + " does not name this server; " +
					"add the name clients use to --allowed-hosts (FEATUREFLAGS_ALLOWED_HOSTS)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LimitAllowedHosts names the Host and Origin allow-list, as the command
// line does.
const LimitAllowedHosts = "allowed-hosts"

// checkWrite refuses a management write a web page could have sent from
// another site: one without a JSON media type, or from a foreign origin.
func (g *browserGuard) checkWrite(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if err := g.cop.Check(r); err != nil {
		return &ff.Error{Code: ff.EFORBIDDEN, Limit: LimitAllowedHosts,
			Message: "cross-origin write refused: the request comes from the web page " + quote(r.Header.Get("Origin")) +
				" (Sec-Fetch-Site " + quote(r.Header.Get("Sec-Fetch-Site")) + "), not from this server's own pages; " +
				"trust an origin by adding its host to --allowed-hosts (FEATUREFLAGS_ALLOWED_HOSTS)"}
	}
	if r.Method == http.MethodDelete && r.ContentLength <= 0 && r.Header.Get("Content-Type") == "" {
		return nil // no body, and a cross-origin DELETE always needs a preflight
	}
	if !httpx.IsJSON(r.Header.Get("Content-Type")) {
		return ff.Errorf(ff.EMEDIATYPE, "changes must be sent with Content-Type: application/json (got %s); "+
			"this keeps web pages of other sites from sending them", quote(r.Header.Get("Content-Type")))
	}
	return nil
}

func quote(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}
