// SPDX-License-Identifier: Apache-2.0

package testutil

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Deps returns every package pkg depends on, directly or not (go list -deps).
func Deps(t testing.TB, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// BanDeps fails the test for every package in banned that pkg depends on,
// with the reason given beside it (tailscale's deptest does the same).
func BanDeps(t testing.TB, pkg string, banned map[string]string) {
	t.Helper()
	for _, dep := range Deps(t, pkg) {
		if why, ok := banned[dep]; ok {
			t.Errorf("%s depends on %s: %s", pkg, dep, why)
		}
	}
}

// PackageDocs returns, for the package in dir, the files that carry a
// package doc comment, and how many files the package has (tests and
// `//go:build ignore` generators excluded).
func PackageDocs(t testing.TB, dir string) (docs []string, files int) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range paths {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		ignored := false
		for _, cg := range af.Comments {
			for _, c := range cg.List {
				ignored = ignored || c.Text == "//go:build ignore"
			}
		}
		if ignored {
			continue
		}
		files++
		if af.Doc != nil {
			docs = append(docs, filepath.Base(f))
		}
	}
	return docs, files
}
