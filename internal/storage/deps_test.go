// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps storage pure: I/O only through vfs, no logging,
// no network, no knowledge of processes or of the io_uring backend.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "riffle/internal/storage").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"github.com/sirupsen/logrus":         "storage reports through Events, it never logs",
		"net":                                "storage never talks to the network",
		"riffle/internal/uring":              "storage sees backends only as vfs.Backend",
		"github.com/pawelgaczynski/giouring": "only internal/uring imports giouring",
		"riffle/ipc":                         "storage knows nothing of processes",
		"riffle/internal/logging":            "storage reports through Events, it never logs",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("storage imports %s: %s", dep, why)
		}
	}
}
