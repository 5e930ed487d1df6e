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
	f, c, err := ScanFlagColumns(row)
	if err != nil {
		return nil, err
	}
	if err := DecodeFlag(f, c); err != nil {
		return nil, err
	}
	return f, nil
}

// ScanFlagColumns reads a flag from a row of FlagColumnList but leaves its
// JSON columns for DecodeFlag (or a FlagDecoder) to decode.
func ScanFlagColumns(row Row) (*ff.Flag, FlagColumns, error) {
	var f ff.Flag
	var c FlagColumns
	var created, updated int64
	err := row.Scan(&f.ID, &f.Name, &f.Description, &f.Type, &c.Variants, &c.Environments, &c.Targeting, &c.Tags, &f.Version, &created, &updated, &c.Lifecycle)
	if err != nil {
		return nil, c, err
	}
	f.CreatedAt, f.UpdatedAt = Time(created), Time(updated)
	return &f, c, nil
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
