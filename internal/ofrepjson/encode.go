// Package ofrepjson writes OFREP answers as JSON without encoding/json.
//
// The OFREP handlers are on the hot path, so they append their answers to
// pooled buffers with these functions instead of going through reflection.
// The output decodes to the same value as encoding/json's encoding of the
// shapes in package wire (OFREPSuccess, OFREPFailure); the fuzz test holds it
// to that. It differs in bytes only where JSON allows: it does not escape
// <, > and &, and writes \b and \f as \u0008 and \u000c.
package ofrepjson

import "github.com/featureflags/featureflags/eval"

// AppendSuccess appends {"key","value","reason","variant","metadata"}, the
// metadata as the flag's compilation encoded it; it reports false
// when the value cannot be encoded. A nil value is left out: the OFREP
// "code default" answer.
func AppendSuccess(b []byte, res *eval.Result) ([]byte, bool) {
	b = append(b, `{"key":`...)
	b = AppendString(b, res.Key)
	if res.Value != nil {
		b = append(b, `,"value":`...)
		var ok bool
		if b, ok = AppendValue(b, res.Value); !ok {
			return b, false
		}
	}
	b = appendReason(b, res.Reason)
	if res.Variant != "" {
		b = append(b, `,"variant":`...)
		b = AppendString(b, res.Variant)
	}
	return append(AppendMetadata(b, res.Metadata), '}'), true
}

// AppendMetadata appends the member ,"metadata":{...}, if there is metadata.
func AppendMetadata(b []byte, m *eval.Metadata) []byte {
	if m == nil || len(m.JSON) == 0 {
		return b
	}
	return append(append(b, `,"metadata":`...), m.JSON...)
}

// appendReason appends the reason member, the known reasons ready-made.
func appendReason(b []byte, reason string) []byte {
	switch reason {
	case eval.ReasonStatic:
		return append(b, `,"reason":"STATIC"`...)
	case eval.ReasonTargetingMatch:
		return append(b, `,"reason":"TARGETING_MATCH"`...)
	case eval.ReasonSplit:
		return append(b, `,"reason":"SPLIT"`...)
	case eval.ReasonDefault:
		return append(b, `,"reason":"DEFAULT"`...)
	case eval.ReasonDisabled:
		return append(b, `,"reason":"DISABLED"`...)
	}
	b = append(b, `,"reason":`...)
	return AppendString(b, reason)
}

// AppendItem appends one bulk item: a success, or {"key","errorCode",
// "errorDetails","metadata"} for a flag that failed or whose value cannot
// be encoded.
func AppendItem(b []byte, res *eval.Result) []byte {
	if res.Reason != eval.ReasonError {
		start := len(b)
		var ok bool
		if b, ok = AppendSuccess(b, res); ok {
			return b
		}
		b = b[:start]
		return AppendFailure(b, res.Key, eval.ErrorGeneral, "the value could not be encoded as JSON", res.Metadata)
	}
	code := res.ErrorCode
	if code == "" {
		code = eval.ErrorGeneral
	}
	return AppendFailure(b, res.Key, code, res.ErrorDetails, res.Metadata)
}

// AppendFailure appends {"key","errorCode","errorDetails","metadata"},
// leaving out empty details and nil metadata.
func AppendFailure(b []byte, key, code, details string, m *eval.Metadata) []byte {
	b = append(b, `{"key":`...)
	b = AppendString(b, key)
	b = append(b, `,"errorCode":`...)
	b = AppendString(b, code)
	if details != "" {
		b = append(b, `,"errorDetails":`...)
		b = AppendString(b, details)
	}
	return append(AppendMetadata(b, m), '}')
}
