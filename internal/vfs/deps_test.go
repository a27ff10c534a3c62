// SPDX-License-Identifier: Apache-2.0

package vfs_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps vfs at the bottom of the storage stack.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "riffle/internal/vfs", "riffle/internal/vfs/errorfs").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"github.com/sirupsen/logrus":         "vfs never logs",
		"net":                                "vfs never talks to the network",
		"riffle/internal/uring":              "uring implements vfs, not the other way round",
		"riffle/internal/storage":            "storage sits above vfs",
		"riffle/ipc":                         "vfs knows nothing of processes",
		"github.com/pawelgaczynski/giouring": "only internal/uring imports giouring",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("vfs imports %s: %s", dep, why)
		}
	}
}
