// SPDX-License-Identifier: Apache-2.0

package tasks_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps the registry ignorant of what its tasks do.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/tasks", map[string]string{
		"github.com/sirupsen/logrus": "the registry reports through Report; the shard logs it",
		"net":                        "the registry knows nothing of connections",
		"riffle/ipc":                 "the registry knows nothing of processes",
		"riffle/internal/storage":    "the registry knows nothing of what a task does",
	})
}
