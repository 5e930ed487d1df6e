package wire

// The JSON shapes of OFREP evaluation answers, for clients and tests to
// decode into. The server writes them with a faster encoder of its own,
// tested against encoding/json's encoding of these types.

// OFREPSuccess is an evaluation that produced a value: the body of a single
// evaluation's 200 answer, or an item of a bulk answer. A nil Value is left
// out: the protocol's "use the code default".
type OFREPSuccess struct {
	Key     string `json:"key"`
	Value   any    `json:"value,omitempty"`
	Reason  string `json:"reason"`
	Variant string `json:"variant,omitempty"`
	// Metadata describes the flag: owner, kind, tags (comma-separated) and
	// version, those without a value left out.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// OFREPFailure is an evaluation that did not produce a value: an item of a
// bulk answer, or the body of a single evaluation's error answer. Error
// answers that concern no one flag (a failed bulk request) leave out the
// key, and a 500 carries only ErrorDetails.
type OFREPFailure struct {
	Key          string `json:"key"`
	ErrorCode    string `json:"errorCode"`
	ErrorDetails string `json:"errorDetails,omitempty"`
	// Metadata is the flag's, as in OFREPSuccess, when the flag exists.
	Metadata map[string]any `json:"metadata,omitempty"`
}
