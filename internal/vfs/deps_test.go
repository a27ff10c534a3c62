// SPDX-License-Identifier: Apache-2.0

package vfs_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps vfs at the bottom of the storage stack.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/vfs", map[string]string{
		"github.com/sirupsen/logrus":         "vfs never logs",
		"net":                                "vfs never talks to the network",
		"riffle/internal/uring":              "uring implements vfs, not the other way round",
		"riffle/internal/storage":            "storage sits above vfs",
		"riffle/ipc":                         "vfs knows nothing of processes",
		"github.com/pawelgaczynski/giouring": "only internal/uring imports giouring",
	})
}
