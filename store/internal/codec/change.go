package codec

import ff "github.com/featureflags/featureflags"

// Deletion is one kind of row a Change deletes: from Table, where Column
// is one of Keys.
type Deletion struct {
	Table, Column string
	Keys          []string
}

// Deletions lists what c deletes, flags first (they may use the segments).
func Deletions(c *ff.Change) []Deletion {
	return []Deletion{
		{"flags", "id", c.DeleteFlags},
		{"segments", "id", c.DeleteSegments},
		{"environments", "name", c.DeleteEnvironments},
	}
}
