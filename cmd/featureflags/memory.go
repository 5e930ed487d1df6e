package main

import "runtime/debug"

// releaseLoadGarbage returns to the system, before serving, the memory that
// loading the view and building the API (the UI's assets are compressed
// once) used and no longer need. Loading 100,000 flags allocates several
// times what the view keeps (rows, decoded JSON, sort buffers), and Go's
// scavenger returns free memory only above the next heap goal, twice the
// live heap: without this an idle server holds its start-up's peak. It
// costs one collection, once.
func releaseLoadGarbage() { debug.FreeOSMemory() }
