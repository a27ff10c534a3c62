// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps storage pure: I/O only through vfs, no logging,
// no network, no knowledge of processes or of the io_uring backend.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/storage", map[string]string{
		"github.com/sirupsen/logrus":         "storage reports through Events, it never logs",
		"net":                                "storage never talks to the network",
		"riffle/internal/uring":              "storage sees backends only as vfs.Backend",
		"github.com/pawelgaczynski/giouring": "only internal/uring imports giouring",
		"riffle/ipc":                         "storage knows nothing of processes",
		"riffle/internal/logging":            "storage reports through Events, it never logs",
	})
}
