// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the CLI a client: it reaches the server through the
// protocol and ctl.sock only.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{if not .Standard}}{{.ImportPath}}{{end}}", "riffle/cmd/riffle").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"riffle/supervisor":       "the CLI never imports a server package",
		"riffle/shardproc":        "the CLI never imports a server package",
		"riffle/netfront":         "the CLI never imports a server package",
		"riffle/internal/storage": "the CLI reads data through the server only",
		"riffle/internal/uring":   "the CLI does no ring I/O",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("riffle depends on %s: %s", dep, why)
		}
	}
}
