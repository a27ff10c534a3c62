// SPDX-License-Identifier: Apache-2.0

package client_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps the client usable by the CLI and the bench without
// dragging in the server: no server package, no logging.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/client", map[string]string{
		"riffle/supervisor":          "the client never imports a server package",
		"riffle/shardproc":           "the client never imports a server package",
		"riffle/netfront":            "the client never imports a server package",
		"riffle/ipc":                 "ctl.sock belongs to the CLI, not the protocol client",
		"github.com/sirupsen/logrus": "the client does not log; callers report its errors",
	})
}
