package main

import (
	"context"
	"os"
	"runtime/debug"
	"time"

	"github.com/featureflags/featureflags/internal/gcfloor"
)

// releaseLoadGarbage returns to the system, before serving, the memory that
// loading the view and building the API (the UI's assets are compressed
// once) used and no longer need. Loading 100,000 flags allocates several
// times what the view keeps (rows, decoded JSON, sort buffers), and Go's
// scavenger returns free memory only above the next heap goal, twice the
// live heap: without this an idle server holds its start-up's peak. It
// costs one collection, once.
func releaseLoadGarbage() { debug.FreeOSMemory() }

// maxGCHeadroom bounds --gc-headroom-bytes far above any use, and so that
// gcfloor's arithmetic cannot overflow.
const maxGCHeadroom = 1 << 40

// keepGCFloor keeps GOGC at --gc-headroom-bytes' floor for the live heap
// (package gcfloor), looking again every second: with Go's default a
// server of a few thousand flags collects many times a second under load.
// A server's live heap passes the default headroom at about 20,000 flags,
// from where Go's default applies. GOGC set in the environment is the
// operator's, and turns the floor off.
func (m *Main) keepGCFloor(ctx context.Context) {
	if m.Config.GCHeadroomBytes == 0 || os.Getenv("GOGC") != "" {
		return
	}
	floor := gcfloor.New(uint64(m.Config.GCHeadroomBytes))
	floor.Adjust()
	m.workers.Go(func() {
		every(ctx, time.Second, func(context.Context) error { floor.Adjust(); return nil }, nil)
	})
}
