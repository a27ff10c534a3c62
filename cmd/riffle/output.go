// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// stdout is where command output goes; tests of the package swap it.
var stdout io.Writer = os.Stdout

// table writes aligned columns for people.
type table struct{ w *tabwriter.Writer }

// newTable starts a table with the given column headers.
func newTable(headers ...string) *table {
	t := &table{w: tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)}
	t.row(toAny(headers)...)
	return t
}

// row adds one row; cells are formatted with %v and must not hold tabs or
// newlines (flatten replaces them).
func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(t.w, "\t")
		}
		io.WriteString(t.w, flatten(fmt.Sprint(c)))
	}
	io.WriteString(t.w, "\n")
}

// flush writes the table out.
func (t *table) flush() { t.w.Flush() }

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// flatten keeps a table cell on one line.
func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// fields prints "key: value" lines for one object, for people.
func fields(pairs ...any) {
	t := tabwriter.NewWriter(stdout, 0, 0, 1, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(t, "%s:\t%s\n", pairs[i], flatten(fmt.Sprint(pairs[i+1])))
	}
	t.Flush()
}

// emit prints v as JSON with -o json, and calls people otherwise.
func (g *globals) emit(v any, people func()) error {
	if g.output == "json" {
		return g.printJSON(v)
	}
	people()
	return nil
}

// timeText shows µs since the epoch as local time; 0 is "-".
func timeText(us uint64) string {
	if us == 0 {
		return "-"
	}
	return time.UnixMicro(int64(us)).Local().Format("2006-01-02 15:04:05")
}

// payloadText returns b as text when it is printable UTF-8, else as base64;
// isText tells which.
func payloadText(b []byte) (s string, isText bool) {
	if utf8.Valid(b) && strings.IndexFunc(string(b), func(r rune) bool {
		return !unicode.IsPrint(r) && r != ' ' && r != '\t'
	}) < 0 {
		return string(b), true
	}
	return base64.StdEncoding.EncodeToString(b), false
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// say prints a confirmation for people; with -o json commands print an object
// instead.
func say(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
