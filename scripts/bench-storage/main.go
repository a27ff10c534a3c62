// SPDX-License-Identifier: Apache-2.0

// Command bench-storage turns the output of the storage engine's
// BenchmarkStorage (go test -bench, any -count) into one table: for each
// case the median MB/s of the engine on the io_uring and on the sync
// backend, the median of its baseline, the ratios, the goal and whether it
// is met. `make bench-storage` runs the benchmarks and pipes them here.
//
// It reads standard input, echoes the configuration lines (goos:, cpu:,
// storage-dir:, storage-fs:, storage-cpus:) and any "load average" line, and exits with
// status 1 when a case has no figures at all.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	res, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-storage:", err)
		os.Exit(1)
	}
	if err := render(os.Stdout, res); err != nil {
		fmt.Fprintln(os.Stderr, "bench-storage:", err)
		os.Exit(1)
	}
}

// results are the parsed benchmark output.
type results struct {
	config []string             // "key: value" and "load average" lines, in order
	mbps   map[string][]float64 // by sub-benchmark name without the GOMAXPROCS suffix, e.g. "write/engine=uring"
}

var (
	benchLine = regexp.MustCompile(`^BenchmarkStorage/(\S+?)(-\d+)?\s+\d+\s`)
	configKey = regexp.MustCompile(`^(goos|goarch|cpu|storage-dir|storage-fs|storage-cpus):`)
)

// parse reads go test -bench output.
func parse(r io.Reader) (results, error) {
	res := results{mbps: map[string][]float64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if configKey.MatchString(line) || strings.Contains(line, "load average") {
			res.config = append(res.config, strings.TrimSpace(line))
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(line)
		for i := 1; i < len(fields); i++ {
			if fields[i] != "MB/s" {
				continue
			}
			v, err := strconv.ParseFloat(fields[i-1], 64)
			if err != nil {
				return res, fmt.Errorf("parse %q: %w", line, err)
			}
			res.mbps[m[1]] = append(res.mbps[m[1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("read benchmark output: %w", err)
	}
	return res, nil
}

// median returns the median of name's figures and whether there are any.
func (r results) median(name string) (float64, bool) {
	v := slices.Clone(r.mbps[name])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// best returns the highest median among names, and which one it is.
func (r results) best(names ...string) (float64, string, bool) {
	var top float64
	var which string
	for _, n := range names {
		if v, ok := r.median(n); ok && v > top {
			top, which = v, n
		}
	}
	return top, which, which != ""
}

// row is one line of the table.
type row struct {
	name      string
	group     string   // sub-benchmark group: write, fsync, read
	baselines []string // the best of these is the baseline
	ratio     float64  // goal as a fraction of the baseline, or 0
	absolute  float64  // goal in MB/s, or 0; with ratio 0 too, a diagnostic row without a goal
}

var rows = []row{
	{name: "append, write mode", group: "write", baselines: []string{"write/baseline=pwrite"}, ratio: 0.80},
	{name: "append, fsync mode", group: "fsync",
		baselines: []string{"fsync/baseline=pwrite+fdatasync", "fsync/baseline=uring"}, ratio: 0.70},
	{name: "read-back, page cache", group: "read", baselines: []string{"read/baseline=pread"}, absolute: 2000},
	{name: "(write mode, no checkpoints)", group: "write-nockpt", baselines: []string{"write/baseline=pwrite"}},
	{name: "(write mode vs pwrite+writeback)", group: "write", baselines: []string{"write/baseline=pwrite+writeback"}},
}

func render(w io.Writer, res results) error {
	for _, c := range res.config {
		fmt.Fprintln(w, c)
	}
	fmt.Fprintln(w, "MB/s = 10^6 bytes of message frames per second, median of each case's runs")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	width := 0
	for _, r := range rows {
		width = max(width, len(r.name))
	}
	fmt.Fprintf(tw, "%-*s\tengine uring\tengine sync\tbaseline\turing/base\tsync/base\turing/sync\tgoal\tmet (uring, sync)\t\n", width, "case")
	var missing []string
	for _, r := range rows {
		uring, uok := res.median(r.group + "/engine=uring")
		sync, sok := res.median(r.group + "/engine=sync")
		base, _, bok := res.best(r.baselines...)
		diagnostic := r.ratio == 0 && r.absolute == 0
		if !uok && !sok && !diagnostic {
			missing = append(missing, r.name)
		}
		goal := fmt.Sprintf("≥ %.0f %% of baseline", 100*r.ratio)
		met := func(v float64, ok bool) string {
			switch {
			case !ok || diagnostic || r.ratio > 0 && !bok:
				return "-"
			case r.absolute > 0 && v >= r.absolute, r.ratio > 0 && v >= r.ratio*base:
				return "yes"
			}
			return "no"
		}
		switch {
		case r.absolute > 0:
			goal = fmt.Sprintf("≥ %.0f MB/s", r.absolute)
		case diagnostic:
			goal = "diagnostic"
		}
		fmt.Fprintf(tw, "%-*s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s, %s\t\n", width, r.name,
			num(uring, uok), num(sync, sok), num(base, bok),
			pct(uring, base, uok && bok), pct(sync, base, sok && bok), times(uring, sync, uok && sok),
			goal, met(uring, uok), met(sync, sok))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "baselines (median MB/s):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range sortedKeys(res.mbps) {
		if !strings.Contains(name, "/baseline=") {
			continue
		}
		v, _ := res.median(name)
		var users []string
		for _, r := range rows {
			if _, which, ok := res.best(r.baselines...); ok && which == name && (r.ratio > 0 || r.absolute > 0) {
				users = append(users, r.name)
			}
		}
		used := ""
		if len(users) > 0 {
			used = "(the " + strings.Join(users, ", ") + " baseline)"
		}
		fmt.Fprintf(tw, "  %s\t%.0f\t%s\n", name, v, used)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("no engine figures for %s", strings.Join(missing, ", "))
	}
	return nil
}

func num(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.0f", v)
}

func pct(v, base float64, ok bool) string {
	if !ok || base == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f %%", 100*v/base)
}

func times(a, b float64, ok bool) string {
	if !ok || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func sortedKeys(m map[string][]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
