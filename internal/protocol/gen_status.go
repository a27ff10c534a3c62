// SPDX-License-Identifier: Apache-2.0

//go:build ignore

// gen_status writes status_gen.go from status.tsv. Run it with
// `go generate ./internal/protocol`.
package main

import (
	"log"
	"os"

	"riffle/internal/protocol/internal/statusgen"
)

func main() {
	tsv, err := os.ReadFile("status.tsv")
	if err != nil {
		log.Fatal(err)
	}
	src, err := statusgen.Render(tsv)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("status_gen.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
