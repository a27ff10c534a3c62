// SPDX-License-Identifier: Apache-2.0

package bench_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps the bench a client: it drives a server through the
// protocol only and does not log.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/bench", map[string]string{
		"riffle/supervisor":          "the bench never imports a server package",
		"riffle/shardproc":           "the bench never imports a server package",
		"riffle/netfront":            "the bench never imports a server package",
		"riffle/internal/storage":    "the bench reads data through the server only",
		"riffle/ipc":                 "the bench talks the client protocol, not ctl.sock",
		"github.com/sirupsen/logrus": "the bench does not log; its caller prints the report",
	})
}
