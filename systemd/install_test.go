// SPDX-License-Identifier: Apache-2.0

package systemd_test

import (
	"bytes"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// makeInstall runs `make install` from the repository root with vars.
func makeInstall(t *testing.T, vars ...string) string {
	t.Helper()
	cmd := exec.Command("make", append([]string{"-C", "..", "install"}, vars...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make install %s: %v\n%s", strings.Join(vars, " "), err, out)
	}
	return string(out)
}

func TestMakeInstallStagesEverythingAndKeepsTheConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds riffled and riffle; skipped with -short")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	statSources(t)
	_, hadUser := user.Lookup("riffle")
	dest := t.TempDir()
	bin := t.TempDir()
	makeInstall(t, "DESTDIR="+dest, "BIN="+bin, "VERSION=install-test")

	files := []struct {
		path string
		mode os.FileMode
		same string // repository file it must equal, if any
	}{
		{"usr/local/bin/riffled", 0o755, ""},
		{"usr/local/bin/riffle", 0o755, ""},
		{"etc/systemd/system/riffled.service", 0o644, "riffled.service"},
		{"etc/systemd/system/riffled.socket", 0o644, "riffled.socket"},
		{"etc/riffle/riffled.toml", 0o644, "../riffled.toml"},
	}
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dest, f.path))
		if err != nil {
			t.Errorf("make install did not stage %s: %v", f.path, err)
			continue
		}
		if st.Mode().Perm() != f.mode {
			t.Errorf("%s has mode %v, want %v", f.path, st.Mode().Perm(), f.mode)
		}
		if f.same != "" && !bytes.Equal(readFile(t, filepath.Join(dest, f.path)), readFile(t, f.same)) {
			t.Errorf("%s differs from %s (with the default PREFIX)", f.path, f.same)
		}
	}
	if l, _ := filepath.Glob(filepath.Join(dest, "*/*/*/.*.new")); len(l) > 0 {
		t.Errorf("temporary files left behind: %v", l)
	}
	out, err := exec.Command(filepath.Join(dest, "usr/local/bin/riffled"), "--version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "riffled install-test" {
		t.Errorf("installed riffled --version: %q, %v; want the VERSION given to make", out, err)
	}
	if _, has := user.Lookup("riffle"); (has == nil) != (hadUser == nil) {
		t.Errorf("make install with DESTDIR changed whether user riffle exists on this machine")
	}

	// A second install with another PREFIX keeps an edited config and
	// points the units at the new binaries.
	conf := filepath.Join(dest, "etc/riffle/riffled.toml")
	edited := []byte("# edited by the operator\n")
	if err := os.WriteFile(conf, edited, 0o640); err != nil {
		t.Fatal(err)
	}
	log := makeInstall(t, "DESTDIR="+dest, "BIN="+bin, "VERSION=install-test", "PREFIX=/opt/riffle")
	if got := readFile(t, conf); !bytes.Equal(got, edited) {
		t.Errorf("make install overwrote the existing riffled.toml:\n%s", got)
	}
	if !strings.Contains(log, "keeping") {
		t.Errorf("make install did not say it kept the config:\n%s", log)
	}
	unit := string(readFile(t, filepath.Join(dest, "etc/systemd/system/riffled.service")))
	for _, want := range []string{"\nExecStart=/opt/riffle/bin/riffled ", "\nExecReload=/opt/riffle/bin/riffle server reload\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("installed riffled.service with PREFIX=/opt/riffle lacks %q", strings.TrimSpace(want))
		}
	}
	if strings.Contains(unit, "/usr/local/bin/") {
		t.Errorf("installed riffled.service with PREFIX=/opt/riffle still names /usr/local/bin")
	}
	if _, err := os.Stat(filepath.Join(dest, "opt/riffle/bin/riffled")); err != nil {
		t.Errorf("PREFIX=/opt/riffle: %v", err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
