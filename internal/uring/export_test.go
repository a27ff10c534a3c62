// SPDX-License-Identifier: Apache-2.0

package uring

// SetPiece caps the bytes per write SQE, so that tests can drive the
// continuation path with small writes. Call it before the first operation.
func SetPiece(b *Backend, n int) { b.piece = n }

// ParseRelease extracts major and minor from a kernel release.
var ParseRelease = parseRelease
