// SPDX-License-Identifier: Apache-2.0

package placement_test

import (
	"testing"

	"riffle/internal/testutil"
)

// TestDependencies keeps placement pure: it decides, others act.
func TestDependencies(t *testing.T) {
	testutil.BanDeps(t, "riffle/internal/placement", map[string]string{
		"github.com/sirupsen/logrus": "pure packages do not log",
		"net":                        "placement never talks to the network",
		"riffle/internal/uring":      "placement never does I/O",
		"riffle/ipc":                 "placement knows nothing of processes",
		"os":                         "placement never does I/O",
	})
}
