// SPDX-License-Identifier: Apache-2.0

package main

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps the CLI a client: it reaches the server through the
// protocol and ctl.sock only.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/cmd/riffle", map[string]string{
		"riffle/supervisor":       "the CLI never imports a server package",
		"riffle/shardproc":        "the CLI never imports a server package",
		"riffle/netfront":         "the CLI never imports a server package",
		"riffle/internal/storage": "the CLI reads data through the server only",
		"riffle/internal/uring":   "the CLI does no ring I/O",
	})
}
