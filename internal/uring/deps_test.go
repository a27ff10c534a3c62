// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps uring a leaf under storage: it implements vfs.Backend
// and knows nothing above it.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "riffle/internal/uring").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"github.com/sirupsen/logrus": "uring never logs; errors go into Ops",
		"net":                        "uring never talks to the network",
		"riffle/internal/storage":    "storage sits above uring",
		"riffle/ipc":                 "uring knows nothing of processes",
		"riffle/shardproc":           "the shard owns the Backend, not the other way round",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("uring imports %s: %s", dep, why)
		}
	}
}
