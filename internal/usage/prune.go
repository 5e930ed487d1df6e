package usage

import (
	"context"

	ff "github.com/featureflags/featureflags"
)

// Prune deletes the store's usage buckets of hours that ended more than
// Config.Retention ago (nothing when it is zero), and returns how many. A
// store that cannot prune, or is away, is left for the next call.
func (c *Collector) Prune(ctx context.Context) (int64, error) {
	if c.cfg.Retention <= 0 {
		return 0, nil
	}
	p, ok := c.cfg.Store().(ff.UsagePruner)
	if !ok {
		return 0, nil
	}
	return p.PruneUsage(ctx, ff.UsageHour(c.cfg.Now().Add(-c.cfg.Retention)))
}
