// SPDX-License-Identifier: Apache-2.0

package bench

import "errors"

// ErrConfig is wrapped by the errors of Config.Plan and Run for a
// configuration that cannot run (bad counts, conflicting options, an
// unknown scenario). Callers report it as a usage error.
var ErrConfig = errors.New("invalid bench configuration")

// ErrStalled is wrapped by Run's error when a consumer saw no new message
// for Config.StallTimeout: the stream holds less than the scenario reads.
var ErrStalled = errors.New("consumer stalled")

// ErrShortBatch is wrapped by Run's error when a response does not hold
// what the request asked for (a poll response whose frames are cut short).
var ErrShortBatch = errors.New("malformed poll response")
