// SPDX-License-Identifier: Apache-2.0

//go:build invariants

package storage

// invariants turns on the internal consistency checks (make test builds with
// -tags invariants); a failed check panics with a message starting "BUG:".
const invariants = true
