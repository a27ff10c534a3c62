// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"riffle/internal/protocol"
)

// TestEveryCommandCodeIsCovered walks the Iggy 0.8 code table and fails for
// a command that no test claims with covers(t, protocol.CodeX, …). It reads
// the claims from the source of cmd_*_test.go rather than from the tests'
// runs, so it gives the same answer whichever subset `go test -run` selects
// and however the tests are ordered or parallelised. A claim counts only
// inside a Test function, where it runs against a server.
func TestEveryCommandCodeIsCovered(t *testing.T) {
	byName := map[string]protocol.Code{}
	for _, c := range protocol.Codes() {
		byName["Code"+c.String()] = c
	}
	if len(byName) != 47 {
		t.Fatalf("the code table has %d codes, Iggy 0.8 has 47", len(byName))
	}
	files, err := filepath.Glob("cmd_*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("find cmd_*_test.go: %v (%d files)", err, len(files))
	}
	claimed := map[protocol.Code][]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "covers" {
					return true
				}
				if !strings.HasPrefix(fn.Name.Name, "Test") {
					t.Errorf("%s: covers is called in %s, which is not a test", fset.Position(call.Pos()), fn.Name.Name)
					return true
				}
				if len(call.Args) < 2 {
					t.Errorf("%s: covers names no code", fset.Position(call.Pos()))
				}
				for _, arg := range call.Args[min(1, len(call.Args)):] {
					sel, ok := arg.(*ast.SelectorExpr)
					code, known := byName[selName(sel)]
					if !ok || !known {
						t.Errorf("%s: covers argument is not a protocol.CodeX constant", fset.Position(arg.Pos()))
						continue
					}
					claimed[code] = append(claimed[code], fn.Name.Name)
				}
				return true
			})
		}
	}
	var missing []string
	for _, c := range protocol.Codes() {
		if len(claimed[c]) == 0 {
			missing = append(missing, fmt.Sprintf("%s (%d)", c, uint32(c)))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("%d of 47 command codes have no test: %s", len(missing), strings.Join(missing, ", "))
	}
	for _, c := range protocol.Codes() {
		t.Logf("%4d %-28s %s", uint32(c), c, strings.Join(dedupe(claimed[c]), ", "))
	}
}

func selName(sel *ast.SelectorExpr) string {
	if sel == nil {
		return ""
	}
	if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "protocol" {
		return ""
	}
	return sel.Sel.Name
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
