// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `riffled --check-config` accepts the shipped riffled.toml and rejects a
// malformed file, an unknown key and an out-of-range value, each with a
// message naming the problem, and a non-zero exit.
func TestCheckConfigRejectsBadConfigurations(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		env  []string
		ok   bool
		want string
	}{
		{name: "shipped config", args: []string{"--config", "../../riffled.toml"}, ok: true, want: "configuration is valid"},
		{name: "malformed file", args: []string{"--config", write("bad.toml", "[storage\ndurability = ")}, want: "bad.toml"},
		{name: "unknown key", args: []string{"--config", write("typo.toml", "[storage]\ndurabilty = \"fsync\"\n")}, want: `unknown key "storage.durabilty"`},
		{name: "out of range value", args: []string{"--config", write("range.toml", "[storage]\nsegment_size = \"2GiB\"\n")}, want: "storage.segment_size"},
		{name: "bad durability", args: []string{"--config", write("dur.toml", "[storage]\ndurability = \"maybe\"\n")}, want: "storage.durability"},
		{name: "bad flag value", args: []string{"--shards", "many"}, want: "server.shards"},
		{name: "unknown environment variable", env: []string{"RIFFLE_STORAGE_DURABILTY=fsync"}, want: "RIFFLE_STORAGE_DURABILTY"},
		{name: "missing file", args: []string{"--config", filepath.Join(dir, "nope.toml")}, want: "nope.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(binDir, "riffled"), append([]string{"--check-config"}, tt.args...)...)
			cmd.Env = append(os.Environ(), tt.env...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var ee *exec.ExitError
			switch {
			case tt.ok && err != nil:
				t.Fatalf("rejected: %v\n%s", err, out.String())
			case !tt.ok && !errors.As(err, &ee):
				t.Fatalf("accepted (err %v):\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Fatalf("output does not mention %q:\n%s", tt.want, out.String())
			}
		})
	}
}
