// SPDX-License-Identifier: Apache-2.0

package client_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the client usable by the CLI and the bench without
// dragging in the server: no server package, no logging.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{if not .Standard}}{{.ImportPath}}{{end}}", "riffle/internal/client").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := map[string]string{
		"riffle/supervisor":          "the client never imports a server package",
		"riffle/shardproc":           "the client never imports a server package",
		"riffle/netfront":            "the client never imports a server package",
		"riffle/ipc":                 "ctl.sock belongs to the CLI, not the protocol client",
		"github.com/sirupsen/logrus": "the client does not log; callers report its errors",
	}
	for _, dep := range strings.Fields(string(out)) {
		if why, ok := banned[dep]; ok {
			t.Errorf("client depends on %s: %s", dep, why)
		}
	}
}
