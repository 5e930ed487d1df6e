package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	ff "github.com/featureflags/featureflags"
)

// sharedAddressSpace is 100.64.0.0/10 (carrier-grade NAT), private in
// practice though netip does not call it so.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// Private reports whether ip is loopback, private, link-local, unspecified,
// multicast or shared address space: addresses of the server's own network
// that an endpoint must not point into (server-side request forgery).
func Private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || sharedAddressSpace.Contains(ip)
}

// Resolver looks host names up; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL returns an EINVALID error naming the field "url" unless raw is
// an absolute http or https URL without credentials whose host resolves
// only to public addresses (any address when allowPrivate). The dialer
// checks again at every delivery, since a name may resolve elsewhere then.
func CheckURL(ctx context.Context, raw string, allowPrivate bool, r Resolver) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return ff.FieldErrorf("url", "url %q is not an absolute http or https URL", raw)
	}
	if u.User != nil {
		return ff.FieldErrorf("url", "url must not hold a user name or password; sign with the secret instead")
	}
	if len(raw) > 2048 {
		return ff.FieldErrorf("url", "url is longer than 2048 bytes")
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	addrs := []netip.Addr{}
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, ip)
	} else if addrs, err = r.LookupNetIP(ctx, "ip", host); err != nil {
		return ff.FieldErrorf("url", "the host %q of url does not resolve: %v", host, err)
	}
	for _, ip := range addrs {
		if Private(ip) {
			return ff.FieldErrorf("url", "url points to %s, a loopback or private address; endpoints must be public (the server setting --webhooks-allow-private allows them)", ip)
		}
	}
	return nil
}

// errPrivate is the dialer's refusal of a private address.
var errPrivate = errors.New("refused to connect to a loopback or private address (see --webhooks-allow-private)")

// dialControl refuses, as a connection is made, an address CheckURL would
// refuse: the check that DNS rebinding cannot get around.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %s: %w", address, err)
	}
	if Private(ap.Addr()) {
		return errPrivate
	}
	return nil
}

// NewClient returns the HTTP client deliveries are sent with: no proxy
// (the check is of the endpoint's address), no redirects (a 3xx is the
// answer), each request bounded by timeout, and, unless allowPrivate, a
// dialer that refuses private addresses.
func NewClient(timeout time.Duration, allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		d.Control = dialControl
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true,
			MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
