// SPDX-License-Identifier: Apache-2.0

package bench_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the bench a client: it drives a server through the
// protocol only and does not log.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{if not .Standard}}{{.ImportPath}}{{end}}", "riffle/internal/bench").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"riffle/supervisor":          "the bench never imports a server package",
		"riffle/shardproc":           "the bench never imports a server package",
		"riffle/netfront":            "the bench never imports a server package",
		"riffle/internal/storage":    "the bench reads data through the server only",
		"riffle/ipc":                 "the bench talks the client protocol, not ctl.sock",
		"github.com/sirupsen/logrus": "the bench does not log; its caller prints the report",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("bench depends on %s: %s", dep, why)
		}
	}
}
