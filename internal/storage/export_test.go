// SPDX-License-Identifier: Apache-2.0

package storage

import "time"

// AckBeforeSync turns on the deliberate early-acknowledgement bug that the
// crash-state test must catch.
func AckBeforeSync(o *Options) { o.testAckBeforeSync = true }

// SetCompactMin lowers the offsets-log compaction threshold for a test and
// returns a function restoring it.
func SetCompactMin(n int64) (restore func()) {
	old := compactMin
	compactMin = n
	return func() { compactMin = old }
}

// Abandon stops e the way a killed process stops: appends already written
// stay in the page cache, nothing more is synced, and no clean marker is
// written. Files are closed so the test can reopen the directory.
func Abandon(e *Engine) {
	e.mu.Lock()
	e.closed = true
	parts := e.parts
	e.parts = map[Key]*Partition{}
	e.mu.Unlock()
	for _, p := range parts {
		p.mu.Lock()
		p.closing = true
		p.mu.Unlock()
	}
	e.offsets.mu.Lock()
	e.offsets.closed = true
	e.offsets.mu.Unlock()
	e.commit.shutdown()
	for _, p := range parts {
		p.closeWith(ErrClosed)
		p.closeFiles()
	}
	e.offsets.file.Close()
	if e.ownIO {
		e.io.Close()
	}
}

// SetCheckpointBytes changes how much log a partition appends between
// recovery checkpoints and returns a function restoring it.
func SetCheckpointBytes(n int64) (restore func()) {
	old := checkpointBytes
	checkpointBytes = n
	return func() { checkpointBytes = old }
}

// SettleCheckpoints waits until the syncer has finished everything queued,
// write-mode checkpoints included (their records then ride the next round).
func SettleCheckpoints(e *Engine) { e.commit.drainSyncer() }

// CheckpointCount returns how many messages the newest recovery checkpoint
// of partition k vouches for, as found by Open.
func CheckpointCount(e *Engine, k Key) (uint32, bool) {
	ck, ok := e.offsets.checkpointFor(k)
	return ck.count, ok
}

// SetWriteModeCheckpointAge changes how long write mode waits between
// checkpoints.
func SetWriteModeCheckpointAge(d time.Duration) (restore func()) {
	old := writeModeCheckpointAge
	writeModeCheckpointAge = d
	return func() { writeModeCheckpointAge = old }
}

// SettleCache waits until the syncer and then the cache worker have run
// everything queued (see pagecache.go).
func SettleCache(e *Engine) {
	e.commit.drainSyncer()
	e.commit.cache.settle()
}
