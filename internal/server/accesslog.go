package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/featureflags/featureflags/internal/httpx"
	"github.com/featureflags/featureflags/internal/logbuf"
	"github.com/featureflags/featureflags/internal/ofrepjson"
)

// serviceName is the service field of every request log line.
const serviceName = "featureflags"

// accessLog writes the one log line per request, with the fields a log
// dashboard filters on.
type accessLog struct {
	log     *slog.Logger // carries the service name and version
	proxies proxies
	// direct, when the logger is logbuf's JSON handler, takes info lines
	// appended by hand in its shape: a line through slog cost a sixth of
	// an evaluation's CPU (its attributes, and encoding/json for the
	// duration). head is the line up to the request's own fields.
	direct *logbuf.Writer
	head   string
	second *atomic.Pointer[lineSecond] // the last line's time up to its second
}

func newAccessLog(log *slog.Logger, version string, trusted proxies) accessLog {
	a := accessLog{log: log.With(slog.String("service", serviceName), slog.String("version", version)), proxies: trusted}
	if w, ok := logbuf.Direct(log.Handler()); ok {
		a.direct = w
		a.second = new(atomic.Pointer[lineSecond])
		a.head = string(ofrepjson.AppendString([]byte(`","level":"INFO","msg":"request","service":"`+serviceName+`","version":`), version))
	}
	return a
}

// entry is what the middleware learned about one request.
type entry struct {
	route, id, actor string
	status           int
	bytes            int64
	elapsed          time.Duration
	start            time.Time // the line's time is start + elapsed: no second clock read
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
	if a.direct != nil && level == slog.LevelInfo {
		buf := getBuf()
		b := a.appendLine(*buf, e.start.Add(e.elapsed), r, &e)
		a.direct.Write(b)
		putBuf(buf, b)
		return
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("route", e.route),
		slog.String("path", r.URL.Path),
		slog.Int("status", e.status),
		slog.Int64("bytes", e.bytes),
		slog.Float64("duration_ms", durationMS(e.elapsed)),
		slog.String("request_id", e.id),
		slog.String("client", a.proxies.client(r)),
		slog.String("user_agent", httpx.HeaderValue(r.Header, "User-Agent")),
	)
	if e.actor != "" {
		attrs = append(attrs, slog.String("token_id", e.actor))
	}
	if trace := traceID(httpx.HeaderValue(r.Header, "Traceparent")); trace != "" {
		attrs = append(attrs, slog.String("trace_id", trace))
	}
	a.log.LogAttrs(ctx, level, "request", attrs...)
}

func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// appendLine appends the info line of e at now, byte for byte as slog's
// JSON handler writes it from the attributes above (TestAccessLogDirect):
// its strings escaped as ofrepjson escapes them, which is slog's escaping,
// the duration as strconv's 'f' format writes it, which is encoding/json's
// for the values a duration in milliseconds takes (0, and 0.001 to 1e13),
// and the time as time.RFC3339Nano (TestAppendTimeAndMS).
func (a accessLog) appendLine(b []byte, now time.Time, r *http.Request, e *entry) []byte {
	b = append(b, `{"time":"`...)
	b = a.appendTime(b, now)
	b = append(b, a.head...)
	b = appendField(b, "method", r.Method)
	b = appendField(b, "route", e.route)
	b = appendField(b, "path", r.URL.Path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, e.bytes, 10)
	b = append(b, `,"duration_ms":`...)
	b = appendMS(b, e.elapsed)
	b = appendField(b, "request_id", e.id)
	b = appendField(b, "client", a.proxies.client(r))
	b = appendField(b, "user_agent", httpx.HeaderValue(r.Header, "User-Agent"))
	if e.actor != "" {
		b = appendField(b, "token_id", e.actor)
	}
	if trace := traceID(httpx.HeaderValue(r.Header, "Traceparent")); trace != "" {
		b = appendField(b, "trace_id", trace)
	}
	return append(b, "}\n"...)
}

// lineSecond is the text of one second of log line times in RFC 3339:
// the date and time up to the second, and the zone, between which a
// line's fraction goes. Lines mostly fall in the second of the line
// before, so formatting the date once a second saves most of the time's
// cost.
type lineSecond struct {
	unix     int64
	loc      *time.Location
	head, tz string
}

// appendTime appends t as time.RFC3339Nano does.
func (a accessLog) appendTime(b []byte, t time.Time) []byte {
	sec := a.second.Load()
	if sec == nil || sec.unix != t.Unix() || sec.loc != t.Location() {
		sec = &lineSecond{unix: t.Unix(), loc: t.Location(), head: t.Format("2006-01-02T15:04:05"), tz: t.Format("Z07:00")}
		a.second.Store(sec)
	}
	b = append(b, sec.head...)
	if ns := t.Nanosecond(); ns != 0 {
		b = appendFraction(b, ns, 9)
	}
	return append(b, sec.tz...)
}

// appendMS appends d in milliseconds as durationMS formatted by strconv's
// 'f' format with the fewest digits (slog's): whole microseconds over
// 1000 print as their decimal, without trailing zeros.
func appendMS(b []byte, d time.Duration) []byte {
	us := d.Microseconds()
	if us < 0 {
		return strconv.AppendFloat(b, durationMS(d), 'f', -1, 64)
	}
	b = strconv.AppendInt(b, us/1000, 10)
	if frac := int(us % 1000); frac != 0 {
		b = appendFraction(b, frac, 3)
	}
	return b
}

// appendFraction appends '.' and n, nonzero, as digits decimal places
// without trailing zeros.
func appendFraction(b []byte, n, digits int) []byte {
	for n%10 == 0 {
		n /= 10
		digits--
	}
	b = append(b, '.')
	b = append(b, "000000000"[:digits]...)
	for i := len(b) - 1; n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

// appendField appends ,"name":"value"; name needs no escaping.
func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return ofrepjson.AppendString(b, value)
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
