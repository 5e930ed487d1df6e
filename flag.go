package featureflags

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// FlagType is the type of the values a flag's variants hold.
type FlagType string

// The flag types. A flag without a type is a boolean flag.
const (
	TypeBoolean FlagType = "boolean"
	TypeString  FlagType = "string"
	TypeNumber  FlagType = "number"
	TypeObject  FlagType = "object"
)

// Flag is a feature flag: on or off per environment, with optional variants
// and targeting. Its JSON form is the /flags contract of the original service
// (_id, name, description, environments) plus the fields added since.
type Flag struct {
	ID          string   `json:"_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Type        FlagType `json:"type"`
	// Variants maps a variant name to its value. Boolean flags have the
	// implicit variants "on" (true) and "off" (false) and need none here.
	Variants map[string]any `json:"variants,omitempty"`
	// Environments maps every environment to the flag's on/off state there.
	Environments map[string]bool `json:"environments"`
	// Targeting holds the rules per environment; an environment without an
	// entry serves the flag's default variant while on.
	Targeting map[string]*Targeting `json:"targeting,omitempty"`
	Tags      []string              `json:"tags,omitempty"`
	// Owner is who answers for the flag: a person or a team, free text.
	Owner string `json:"owner,omitempty"`
	// Kind says what the flag is for (lifecycle.go); empty: unknown.
	Kind FlagKind `json:"kind,omitempty"`
	// ExpiresAt, when set, is when the flag is due for removal.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// ArchivedAt, when set, is when the flag was archived: it then
	// evaluates as not found but keeps its history and counts, and its
	// name stays taken until it is deleted.
	ArchivedAt *time.Time `json:"archivedAt,omitempty"`
	// UpdatedBy is who made the latest change (the actor its audit event
	// records); absent for changes made before it was kept.
	UpdatedBy *Actor `json:"updatedBy,omitempty"`
	// Version grows by one on every change; If-Match and ETag carry it.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Clone returns a deep copy of f, so that a caller may change it freely.
func (f *Flag) Clone() *Flag {
	c := *f
	c.Variants = cloneMap(f.Variants)
	c.Environments = cloneMap(f.Environments)
	if f.Targeting != nil {
		c.Targeting = make(map[string]*Targeting, len(f.Targeting))
		for env, t := range f.Targeting {
			c.Targeting[env] = t.Clone()
		}
	}
	if f.Tags != nil {
		c.Tags = append([]string(nil), f.Tags...)
	}
	c.ExpiresAt, c.ArchivedAt = cloneTime(f.ExpiresAt), cloneTime(f.ArchivedAt)
	if f.UpdatedBy != nil {
		a := *f.UpdatedBy
		c.UpdatedBy = &a
	}
	return &c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Environment is a stage flags are switched in: development, production, ...
type Environment struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// Protected makes the web UI ask before every change here, showing it.
	Protected bool `json:"protected"`
	// RequireApproval is how many people other than the author must
	// approve a change here before it is made (0: none; approval.go).
	RequireApproval int `json:"requireApproval"`
	// ApprovalAdminsBypass lets admins change it without approval.
	ApprovalAdminsBypass bool `json:"approvalAdminsBypass"`
}

// DefaultEnvironments are created when a store is first opened.
var DefaultEnvironments = []string{"development", "staging", "production"}

var idCounter atomic.Uint32

func init() {
	var b [4]byte
	_, _ = rand.Read(b[:])
	idCounter.Store(binary.BigEndian.Uint32(b[:]))
}

var processRandom = func() [5]byte {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return b
}()

// NewID returns a new identifier shaped like a MongoDB ObjectId (24 hex
// digits: seconds, a per-process random value and a counter), so that ids
// look the same as those of the original MongoDB-backed service.
func NewID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(time.Now().Unix()))
	copy(b[4:9], processRandom[:])
	n := idCounter.Add(1)
	b[9], b[10], b[11] = byte(n>>16), byte(n>>8), byte(n)
	return hex.EncodeToString(b[:])
}
