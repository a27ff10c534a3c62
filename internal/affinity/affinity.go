// SPDX-License-Identifier: Apache-2.0

// Package affinity reads and sets CPU affinity on Linux. Affinity is per
// thread: sched_setaffinity(0) pins only the calling thread, and new threads
// inherit the mask of the thread that creates them. So riffle pins a shard by
// setting the mask of a locked OS thread and starting the child from it; the
// child then starts single-threaded with that mask and every thread it ever
// makes inherits it. ThreadCPUs verifies that from /proc.
package affinity

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Current returns the CPUs of the calling thread's affinity mask, sorted.
func Current() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	return cpusOf(&set), nil
}

// SetCurrentThread sets the calling thread's affinity to cpus. The caller must
// hold runtime.LockOSThread and never unlock it afterwards: the thread's mask
// is no longer the process's.
func SetCurrentThread(cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("sched_setaffinity %v: %w", cpus, err)
	}
	return nil
}

func cpusOf(set *unix.CPUSet) []int {
	var out []int
	for c := 0; c < 1024; c++ {
		if set.IsSet(c) {
			out = append(out, c)
		}
	}
	return out
}

// ThreadCPUs returns, for every thread of process pid (0 = self), the CPUs in
// its Cpus_allowed_list, read from /proc/<pid>/task/*/status.
func ThreadCPUs(pid int) (map[int][]int, error) {
	proc := "self"
	if pid != 0 {
		proc = strconv.Itoa(pid)
	}
	dir := filepath.Join("/proc", proc, "task")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list threads of %s: %w", proc, err)
	}
	out := make(map[int][]int, len(ents))
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "status"))
		if err != nil {
			continue // the thread exited meanwhile
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
				cpus, err := ParseList(strings.TrimSpace(v))
				if err != nil {
					return nil, fmt.Errorf("thread %d: %w", tid, err)
				}
				out[tid] = cpus
			}
		}
	}
	return out, nil
}

// Union returns the sorted union of every thread's CPUs.
func Union(threads map[int][]int) []int {
	seen := map[int]bool{}
	var out []int
	for _, cpus := range threads {
		for _, c := range cpus {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Ints(out)
	return out
}

// ParseList parses a kernel CPU list such as "0-3,8,10-11".
func ParseList(s string) ([]int, error) {
	var out []int
	if s == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("cpu list %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("cpu list %q: bad range %q", s, part)
			}
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	return out, nil
}
