// Package stream pushes flag changes to SDKs and OFREP providers over
// server-sent events.
//
// A Hub fans out each committed change of an environment to that
// environment's subscribers without ever blocking the publisher: every
// subscriber has a bounded buffer, and one that falls behind is dropped (its
// stream ends; the client reconnects and catches up from the hub's per
// environment history or a full snapshot). The HTTP handlers (SnapshotHandler,
// ConfigHandler, OFREPHandler) speak the protocol of package wire, and
// EventsHandler the management API's change stream; the caller
// authenticates the request and chooses its environment. Errors are
// answered through package httpx, as all of the server's.
package stream
