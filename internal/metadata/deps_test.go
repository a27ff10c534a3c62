// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps metadata pure of processes and sockets.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/metadata", map[string]string{
		"github.com/sirupsen/logrus":         "pure packages do not log; callers log Recovery",
		"net":                                "metadata never talks to the network",
		"riffle/internal/uring":              "file I/O goes through internal/vfs",
		"riffle/ipc":                         "the supervisor wires metadata to the shards",
		"github.com/pawelgaczynski/giouring": "file I/O goes through internal/vfs",
	})
}
