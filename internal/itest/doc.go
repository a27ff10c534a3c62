// SPDX-License-Identifier: Apache-2.0

// Package itest runs the real riffled and riffle binaries: it builds them
// once (TestMain), starts riffled on port 0 with temporary directories, reads
// ports.json, and drives it over real sockets with raw frames, the riffle CLI
// and the official Iggy Go SDK. On failure it prints the server log and keeps
// the data directory. Timeouts scale with RIFFLE_TIMESCALE.
//
// These tests are part of `make test`.
package itest
