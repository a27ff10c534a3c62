// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestContextsFileIsPrivateAndRoundTrips(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	f, path, err := loadContexts()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "riffle", "contexts.toml"); path != want {
		t.Fatalf("path %s, want %s", path, want)
	}
	if len(f.Contexts) != 0 || f.Active != "" {
		t.Fatalf("missing file loaded as %+v", f)
	}
	f.Contexts = map[string]contextEntry{"prod": {Addr: "10.0.0.1:8090", Username: "u", Password: "p w=\"x\""}}
	f.Active = "prod"
	if err := f.save(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	dst, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if dst.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, want 0700", dst.Mode().Perm())
	}
	e, name, err := activeContext()
	if err != nil || name != "prod" || *e != f.Contexts["prod"] {
		t.Fatalf("active context %q %+v, %v", name, e, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "riffle", ".contexts-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestActiveContextThatIsNotDefinedIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	f := &contextFile{Active: "gone"}
	_, path, _ := loadContexts()
	if err := f.save(path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := activeContext(); !isUsage(err) {
		t.Fatalf("error %v, want a usage error", err)
	}
}

func TestMalformedContextsFileIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	os.MkdirAll(filepath.Join(dir, "riffle"), 0o700)
	if err := os.WriteFile(filepath.Join(dir, "riffle", "contexts.toml"), []byte("active = [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadContexts(); !isUsage(err) {
		t.Fatalf("error %v, want a usage error", err)
	}
}

func TestNoContextWithoutAConfigDirectory(t *testing.T) {
	t.Setenv("HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	e, name, err := activeContext()
	if err != nil || e != nil || name != "" {
		t.Fatalf("activeContext() = %v, %q, %v; want none and no error", e, name, err)
	}
}
