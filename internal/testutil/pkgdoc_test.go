// SPDX-License-Identifier: Apache-2.0

package testutil

import (
	"os/exec"
	"strings"
	"testing"
)

// Every package of the module has exactly one package doc comment, so `go
// doc` shows one description and no file's comment silently replaces
// another's.
func TestEveryPackageHasExactlyOnePackageDoc(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "riffle/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	dirs := strings.Fields(string(out))
	if len(dirs) < 10 {
		t.Fatalf("only %d packages listed", len(dirs))
	}
	for _, dir := range dirs {
		docs, files := PackageDocs(t, dir)
		if files == 0 {
			continue // tests only (systemd/)
		}
		if len(docs) != 1 {
			t.Errorf("%s: package doc in %d files %v, want exactly one", dir, len(docs), docs)
		}
	}
}
