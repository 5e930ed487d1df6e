package codec

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
)

// The usage table of the SQL stores: one row per flag, environment, hour
// (Unix seconds), variant, reason and error code, holding a count.

// UsageColumnList is the column list ScanUsage reads, in its order.
const UsageColumnList = `flag_id, environment, hour, variant, reason, error_code, count`

// UsageUpsert returns the statement that adds one bucket's count (the
// arguments of UsageArgs); param as in AuditQuery.
func UsageUpsert(param string) string {
	p := func(i int) string { return param + strconv.Itoa(i) }
	return `INSERT INTO usage (` + UsageColumnList + `) VALUES (` + p(1) + `, ` + p(2) + `, ` + p(3) + `, ` + p(4) + `, ` + p(5) + `, ` + p(6) + `, ` + p(7) + `)
		ON CONFLICT (flag_id, environment, hour, variant, reason, error_code) DO UPDATE SET count = usage.count + excluded.count`
}

// UsageArgs are the arguments of UsageUpsert for b.
func UsageArgs(b *ff.UsageBucket) []any {
	return []any{b.FlagID, b.Environment, ff.UsageHour(b.Hour).Unix(), b.Variant, b.Reason, b.ErrorCode, b.Count}
}

// MergeUsage returns buckets with those of the same key summed and zero
// counts dropped, ordered by key: writers that lock rows in the same order
// wait for one another instead of deadlocking.
func MergeUsage(buckets []ff.UsageBucket) []ff.UsageBucket {
	out := make([]ff.UsageBucket, 0, len(buckets))
	for _, b := range buckets {
		if b.Count == 0 {
			continue
		}
		b.Hour = ff.UsageHour(b.Hour)
		out = append(out, b)
	}
	slices.SortFunc(out, CompareUsage)
	return out[:mergeSorted(out)]
}

// mergeSorted sums neighbours of equal key in place and returns how many
// buckets remain.
func mergeSorted(bs []ff.UsageBucket) int {
	n := 0
	for i := range bs {
		if n > 0 && CompareUsage(bs[n-1], bs[i]) == 0 {
			bs[n-1].Count += bs[i].Count
			continue
		}
		bs[n] = bs[i]
		n++
	}
	return n
}

// CompareUsage orders buckets by flag, hour, environment, variant, reason
// and error code.
func CompareUsage(a, b ff.UsageBucket) int {
	return cmp.Or(strings.Compare(a.FlagID, b.FlagID), a.Hour.Compare(b.Hour),
		strings.Compare(a.Environment, b.Environment), strings.Compare(a.Variant, b.Variant),
		strings.Compare(a.Reason, b.Reason), strings.Compare(a.ErrorCode, b.ErrorCode))
}

// UsageQuery returns the SELECT of the SQL stores' Usage and its
// arguments; param as in AuditQuery.
func UsageQuery(f ff.UsageFilter, param string) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return param + strconv.Itoa(len(args))
	}
	if f.FlagID != "" {
		where = append(where, `flag_id = `+arg(f.FlagID))
	}
	if f.Environment != "" {
		where = append(where, `environment = `+arg(f.Environment))
	}
	if !f.Since.IsZero() {
		where = append(where, `hour >= `+arg(ff.UsageHour(f.Since).Unix()))
	}
	if !f.Until.IsZero() {
		where = append(where, `hour < `+arg(f.Until.Unix()))
	}
	query := `SELECT ` + UsageColumnList + ` FROM usage`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return query + ` ORDER BY hour, environment, variant, reason, error_code, flag_id`, args
}

// LastUsageQuery is the SELECT of the SQL stores' LastUsage, in
// UsageColumnList's shape.
const LastUsageQuery = `SELECT flag_id, environment, MAX(hour), '', '', '', 0 FROM usage
	GROUP BY flag_id, environment ORDER BY flag_id, environment`

// ScanUsage reads a bucket from a row of UsageColumnList.
func ScanUsage(row Row) (ff.UsageBucket, error) {
	var b ff.UsageBucket
	var hour int64
	err := row.Scan(&b.FlagID, &b.Environment, &hour, &b.Variant, &b.Reason, &b.ErrorCode, &b.Count)
	b.Hour = time.Unix(hour, 0).UTC()
	return b, err
}
