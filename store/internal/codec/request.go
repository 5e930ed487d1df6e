package codec

import (
	"encoding/json"
	"fmt"

	ff "github.com/featureflags/featureflags"
)

// ChangeRequestStatuses are the statuses a list may select ("" for all).
var ChangeRequestStatuses = []string{"", ff.RequestOpen, ff.RequestApplied, ff.RequestRejected}

// EncodeChangeRequest is the stored form of a change request: the whole
// request as one JSON document (stores keep the fields they query beside it).
func EncodeChangeRequest(r *ff.ChangeRequest) ([]byte, error) {
	return json.Marshal(r)
}

// DecodeChangeRequest reads EncodeChangeRequest's form.
func DecodeChangeRequest(b []byte) (*ff.ChangeRequest, error) {
	var r ff.ChangeRequest
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("store: change request: %w", err)
	}
	return &r, nil
}
