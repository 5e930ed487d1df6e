// Package dsn hides the secrets in database connection strings, so that a
// URL can be named in a message or a log line without leaking a password.
package dsn

import (
	"regexp"
	"strings"
)

// keywordPassword matches password settings of a keyword/value connection
// string (PostgreSQL's "host=h password=secret").
var keywordPassword = regexp.MustCompile(`(?i)\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]*)`)

// Redact returns s with every password replaced by "xxxxx": the password of
// a URL's user information, query parameters that hold secrets, and the
// password settings of keyword/value strings. It does not need s to parse,
// so a malformed URL is still masked. Anything else is returned unchanged.
func Redact(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return keywordPassword.ReplaceAllString(s, "${1}xxxxx")
	}
	rest, query, hasQuery := strings.Cut(rest, "?")
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if user, _, hasPassword := strings.Cut(rest[:at], ":"); hasPassword {
			rest = user + ":xxxxx" + rest[at:]
		}
	}
	if !hasQuery {
		return scheme + "://" + rest
	}
	params := strings.Split(query, "&")
	for i, p := range params {
		key, _, hasValue := strings.Cut(p, "=")
		k := strings.ToLower(key)
		if hasValue && (strings.Contains(k, "password") || strings.Contains(k, "secret") ||
			strings.Contains(k, "token") || k == "authmechanismproperties") {
			params[i] = key + "=xxxxx"
		}
	}
	return scheme + "://" + rest + "?" + strings.Join(params, "&")
}
