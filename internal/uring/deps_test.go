// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps uring a leaf under storage: it implements vfs.Backend
// and knows nothing above it.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/uring", map[string]string{
		"github.com/sirupsen/logrus": "uring never logs; errors go into Ops",
		"net":                        "uring never talks to the network",
		"riffle/internal/storage":    "storage sits above uring",
		"riffle/ipc":                 "uring knows nothing of processes",
		"riffle/shardproc":           "the shard owns the Backend, not the other way round",
	})
}
