package wire

// UsageReport is the body of POST UsagePath: what an SDK evaluated
// in-process since its last report, in the environment of its key.
type UsageReport struct {
	Counts []UsageCount `json:"counts"`
}

// UsageCount is how many evaluations of one flag gave one variant for one
// reason (or failed with one error code).
type UsageCount struct {
	Flag      string `json:"flag"`
	Variant   string `json:"variant,omitempty"`
	Reason    string `json:"reason"`
	ErrorCode string `json:"errorCode,omitempty"`
	Count     int64  `json:"count"`
}
