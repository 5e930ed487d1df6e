package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// proxies are the peers (load balancers, ingress) trusted to name the
// client in X-Forwarded-For: request logs and per-address limits both see
// the client through them.
type proxies []netip.Prefix

// client is the address of the client that made r: the connection's peer,
// or, when that peer is a trusted proxy, the nearest X-Forwarded-For entry
// not itself a trusted proxy. Entries a client wrote itself (left of the
// first untrusted hop) are never believed.
func (t proxies) client(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if len(t) == 0 || !t.isTrusted(peer) {
		return peer
	}
	forwarded := strings.Join(r.Header.Values("X-Forwarded-For"), ",")
	for forwarded != "" {
		i := strings.LastIndexByte(forwarded, ',')
		hop := strings.TrimSpace(forwarded[i+1:])
		forwarded = forwarded[:max(i, 0)]
		if !t.isTrusted(hop) {
			if _, err := netip.ParseAddr(hop); err != nil {
				return peer // malformed: the last trusted hop is all we know
			}
			return hop
		}
		peer = hop
	}
	return peer
}

func (t proxies) isTrusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range t {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
