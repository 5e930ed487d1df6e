package main

import "runtime/debug"

// releaseLoadGarbage returns to the system the memory that loading the
// view used and no longer needs, before serving. Loading 100,000 flags
// allocates several times what the view keeps (rows, decoded JSON, sort
// buffers); Go's scavenger returns free memory only above the next heap
// goal, twice the live heap, so without this an idle server holds its
// start-up's peak. It costs one collection, once.
func releaseLoadGarbage() { debug.FreeOSMemory() }
