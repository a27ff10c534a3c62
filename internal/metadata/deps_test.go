// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps metadata pure of processes and sockets.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "riffle/internal/metadata").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"github.com/sirupsen/logrus":         "pure packages do not log; callers log Recovery",
		"net":                                "metadata never talks to the network",
		"riffle/internal/uring":              "file I/O goes through internal/vfs",
		"riffle/ipc":                         "the supervisor wires metadata to the shards",
		"github.com/pawelgaczynski/giouring": "file I/O goes through internal/vfs",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("metadata imports %s: %s", dep, why)
		}
	}
}
