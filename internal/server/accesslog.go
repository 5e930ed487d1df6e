package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// serviceName is the service field of every request log line.
const serviceName = "featureflags"

// accessLog writes the one log line per request, with the fields a log
// dashboard filters on.
type accessLog struct {
	log     *slog.Logger // carries the service name and version
	proxies proxies
}

func newAccessLog(log *slog.Logger, version string, trusted proxies) accessLog {
	return accessLog{log: log.With(slog.String("service", serviceName), slog.String("version", version)), proxies: trusted}
}

// entry is what the middleware learned about one request.
type entry struct {
	route, id, actor string
	status           int
	bytes            int64
	elapsed          time.Duration
}

// write logs e: at error level for 5xx answers, at info level otherwise.
func (a accessLog) write(ctx context.Context, r *http.Request, e entry) {
	level := slog.LevelInfo
	if e.status >= 500 {
		level = slog.LevelError
	}
	if !a.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("route", e.route),
		slog.String("path", r.URL.Path),
		slog.Int("status", e.status),
		slog.Int64("bytes", e.bytes),
		slog.Float64("duration_ms", float64(e.elapsed.Microseconds())/1000),
		slog.String("request_id", e.id),
		slog.String("client", a.proxies.client(r)),
		slog.String("user_agent", r.UserAgent()),
	)
	if e.actor != "" {
		attrs = append(attrs, slog.String("token_id", e.actor))
	}
	if trace := traceID(r.Header.Get("Traceparent")); trace != "" {
		attrs = append(attrs, slog.String("trace_id", trace))
	}
	a.log.LogAttrs(ctx, level, "request", attrs...)
}

// traceID is the trace id of a W3C traceparent header
// ("00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"), or "" when
// the header is absent or malformed.
func traceID(traceparent string) string {
	if len(traceparent) < 55 || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-' ||
		traceparent[:2] == "ff" || (len(traceparent) > 55 && traceparent[:2] == "00") {
		return ""
	}
	id := traceparent[3:35]
	if !isLowerHex(traceparent[:2]) || !isLowerHex(id) || !isLowerHex(traceparent[36:52]) ||
		id == "00000000000000000000000000000000" {
		return ""
	}
	return id
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ParseTrustedProxies parses a comma-separated list of addresses and CIDR
// prefixes (10.0.0.0/8, 127.0.0.1, ::1) whose X-Forwarded-For is believed.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			ip, err := netip.ParseAddr(item)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
