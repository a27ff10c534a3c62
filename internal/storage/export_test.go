// SPDX-License-Identifier: Apache-2.0

package storage

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
