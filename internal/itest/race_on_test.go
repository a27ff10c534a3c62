// SPDX-License-Identifier: Apache-2.0

//go:build race

package itest

// raceEnabled builds the server binaries with the race detector too, so data
// races in the server processes fail the integration tests.
const raceEnabled = true
