package view

import "time"

// SetSnapshotEvery sets the shortest time between two writes of the
// snapshot file (tests).
func (k *Keeper) SetSnapshotEvery(d time.Duration) { k.snapshotEvery = d }

// SnapshotEvery returns the shortest time between two writes of the
// snapshot file.
func (k *Keeper) SnapshotEvery() time.Duration { return k.snapshotEvery }

// SnapshotSaves returns how many times the snapshot file was written.
func (k *Keeper) SnapshotSaves() int64 { return k.snapshotSaves.Load() }
