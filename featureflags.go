// Package featureflags is the domain of the feature-flag service: flags,
// environments, segments, targeting, the errors they produce and the Store
// interface every database adapter implements.
//
// It depends on the standard library only, so that the evaluation engine, the
// stores, the server and the Go SDK can all share it.
package featureflags
