// SPDX-License-Identifier: Apache-2.0

package placement_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps placement pure: it decides, others act.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "riffle/internal/placement").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"github.com/sirupsen/logrus": "pure packages do not log",
		"net":                        "placement never talks to the network",
		"riffle/internal/uring":      "placement never does I/O",
		"riffle/ipc":                 "placement knows nothing of processes",
		"os":                         "placement never does I/O",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("placement imports %s: %s", dep, why)
		}
	}
}
