package codec

import ff "github.com/featureflags/featureflags"

// Row is a result row of database/sql or pgx.
type Row interface{ Scan(dest ...any) error }

// FlagColumnList is the column list ScanFlag reads, in its order.
const FlagColumnList = `id, name, description, type, variants, environments, targeting, tags, version, created_at, updated_at, lifecycle`

// SegmentColumnList is the column list ScanSegment reads, in its order.
const SegmentColumnList = `id, name, description, match, conditions, version, created_at, updated_at`

// ScanFlag reads a flag from a row of FlagColumnList.
func ScanFlag(row Row) (*ff.Flag, error) {
	var f ff.Flag
	var c FlagColumns
	var created, updated int64
	err := row.Scan(&f.ID, &f.Name, &f.Description, &f.Type, &c.Variants, &c.Environments, &c.Targeting, &c.Tags, &f.Version, &created, &updated, &c.Lifecycle)
	if err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt = Time(created), Time(updated)
	if err := DecodeFlag(&f, c); err != nil {
		return nil, err
	}
	return &f, nil
}

// ScanSegment reads a segment from a row of SegmentColumnList.
func ScanSegment(row Row) (*ff.Segment, error) {
	var sg ff.Segment
	var conds []byte
	var created, updated int64
	if err := row.Scan(&sg.ID, &sg.Name, &sg.Description, &sg.Match, &conds, &sg.Version, &created, &updated); err != nil {
		return nil, err
	}
	sg.CreatedAt, sg.UpdatedAt = Time(created), Time(updated)
	var err error
	sg.Conditions, err = DecodeConditions(conds)
	return &sg, err
}
