//go:build race

package server

// raceEnabled: the race detector's sync.Pool drops items at random, so
// allocation counts do not hold.
const raceEnabled = true
