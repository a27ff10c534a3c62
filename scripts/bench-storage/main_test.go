// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strings"
	"testing"
)

const sample = `load average before: 0.50 0.40 0.30
storage-dir: /tmp
storage-fs: ext4
goos: linux
cpu: Some CPU
BenchmarkStorage/write/engine=uring-2         	    1024	    200000 ns/op	5000.00 MB/s	    1256 B/op	       9 allocs/op
BenchmarkStorage/write/engine=uring-2         	    1024	    200000 ns/op	5400.00 MB/s	    1256 B/op	       9 allocs/op
BenchmarkStorage/write/engine=uring-2         	    1024	    200000 ns/op	1000.00 MB/s	    1256 B/op	       9 allocs/op
BenchmarkStorage/write/engine=sync-2          	    1024	    200000 ns/op	4000.00 MB/s
BenchmarkStorage/write/baseline=pwrite-2      	    1024	    200000 ns/op	6000.00 MB/s
BenchmarkStorage/write/baseline=pwrite-2writers-2 	1024	    100000 ns/op	9000.00 MB/s
BenchmarkStorage/write/baseline=pwrite+writeback-2 	1024	    400000 ns/op	2500.00 MB/s
BenchmarkStorage/write-nockpt/engine=sync-2   	    1024	    200000 ns/op	7000.00 MB/s
BenchmarkStorage/fsync/engine=uring-2         	    1024	    200000 ns/op	700.00 MB/s
BenchmarkStorage/fsync/engine=sync-2          	    1024	    200000 ns/op	600.00 MB/s
BenchmarkStorage/fsync/baseline=pwrite+fdatasync-2 	1024	 200000 ns/op	800.00 MB/s
BenchmarkStorage/fsync/baseline=uring-2       	    1024	    200000 ns/op	900.00 MB/s
BenchmarkStorage/read/engine=uring        	    1024	    200000 ns/op	9000.00 MB/s
BenchmarkStorage/read/engine=sync         	    1024	    200000 ns/op	1500.00 MB/s
BenchmarkStorage/read/baseline=pread      	    1024	    200000 ns/op	20000.00 MB/s
PASS
load average after: 2.00 1.00 0.50
`

func TestParseTakesMediansAndStripsTheProcsSuffix(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		want float64
	}{
		{"write/engine=uring", 5000},
		{"write/baseline=pwrite", 6000},
		{"write/baseline=pwrite-2writers", 9000},
		{"read/engine=sync", 1500},
	}
	for _, tc := range cases {
		if got, ok := res.median(tc.name); !ok || got != tc.want {
			t.Errorf("median(%s) = %v, %v; want %v", tc.name, got, ok, tc.want)
		}
	}
	if len(res.config) != 6 {
		t.Errorf("config lines %q; want the 2 load averages and 4 key: value lines", res.config)
	}
}

func TestRenderJudgesEachBackendAgainstItsGoal(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := render(&out, res); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	cases := []struct {
		row  string
		want []string // in this order on the row
	}{
		// 5000 of 6000 is 83 % (met), 4000 is 67 % (not met).
		{"append, write mode", []string{"5000", "4000", "6000", "83 %", "67 %", "1.25×", "≥ 80 % of baseline", "yes, no"}},
		// The better fsync baseline is uring's 900: 78 % and 67 % of it.
		{"append, fsync mode", []string{"700", "600", "900", "78 %", "67 %", "1.17×", "≥ 70 % of baseline", "yes, no"}},
		// Read-back is judged in absolute terms.
		{"read-back, page cache", []string{"9000", "1500", "20000", "45 %", "8 %", "6.00×", "≥ 2000 MB/s", "yes, no"}},
		// A diagnostic row has no goal and is never "met".
		{"(write mode, no checkpoints)", []string{"-", "7000", "6000", "-", "117 %", "-", "diagnostic", "-, -"}},
		{"(write mode vs pwrite+writeback)", []string{"5000", "4000", "2500", "200 %", "160 %", "1.25×", "diagnostic", "-, -"}},
		{"fsync/baseline=uring", []string{"900", "(the append, fsync mode baseline)"}},
		// Only rows with a goal name their baseline.
		{"write/baseline=pwrite", []string{"6000", "(the append, write mode baseline)\n"}},
		{"load average after:", []string{"2.00 1.00 0.50"}},
	}
	for _, tc := range cases {
		line := lineWith(text, tc.row)
		rest := line
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("row %q lacks %q after what came before:\n%s", tc.row, w, text)
				break
			}
			rest = rest[i+len(w):]
		}
	}
}

// lineWith returns the first line of text that contains s.
func lineWith(text, s string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

func TestRenderFailsWhenACaseHasNoFigures(t *testing.T) {
	res, err := parse(strings.NewReader("BenchmarkStorage/write/engine=sync-2 1 1 ns/op 10.00 MB/s\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := render(&out, res); err == nil || !strings.Contains(err.Error(), "fsync mode") {
		t.Fatalf("render with only a write figure: %v; want an error naming the missing cases", err)
	}
}
