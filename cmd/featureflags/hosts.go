package main

import (
	"net"
	"slices"
)

// hostAllowList returns the Host names the server answers and the origins
// it trusts with writes: those of --allowed-hosts and, on loopback, the
// listen address's host, localhost, 127.0.0.1 and ::1. Listening beyond
// loopback without --allowed-hosts any Host is answered, since the names
// clients use are unknown; "*" allows any Host always.
func hostAllowList(listen string, addr net.Addr, configured []string) (hosts, origins []string) {
	for _, h := range configured {
		if h == "*" {
			return nil, slices.DeleteFunc(slices.Clone(configured), func(h string) bool { return h == "*" })
		}
	}
	origins = configured
	hosts = slices.Clone(configured)
	if isLoopback(addr) {
		host, _, _ := net.SplitHostPort(listen)
		hosts = append(hosts, host, addr.(*net.TCPAddr).IP.String(), "localhost", "127.0.0.1", "::1")
	}
	return hosts, origins
}

// isLoopback reports whether addr is a loopback address only.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
