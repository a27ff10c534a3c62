// SPDX-License-Identifier: Apache-2.0

package systemd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"riffle/internal/testutil"
)

// rproc is one riffled process of the container, seen from the host.
type rproc struct {
	hostPID int
	pid     int    // in the container
	start   uint64 // start time in clock ticks since boot: with hostPID, the identity
	role    string // "supervisor", "front" or "shard"
	shard   int    // for role "shard"
	exe     string // /proc/PID/exe as the process sees it; "... (deleted)" once replaced
}

func (p rproc) String() string {
	if p.role == "shard" {
		return fmt.Sprintf("shard %d (pid %d)", p.shard, p.pid)
	}
	return fmt.Sprintf("%s (pid %d)", p.role, p.pid)
}

// same reports whether p and q are the same process, not a reused PID.
func (p rproc) same(q rproc) bool { return p.hostPID == q.hostPID && p.start == q.start }

// alive reports whether the process still exists and is not a zombie.
func (p rproc) alive() bool {
	start, ok := startTime(p.hostPID)
	return ok && start == p.start && testutil.Alive(p.hostPID)
}

// riffledTree is every live riffled process in the container.
type riffledTree []rproc

func (tr riffledTree) supervisors() riffledTree { return tr.filter("supervisor") }
func (tr riffledTree) fronts() riffledTree      { return tr.filter("front") }
func (tr riffledTree) shards() riffledTree      { return tr.filter("shard") }

func (tr riffledTree) filter(role string) riffledTree {
	var out riffledTree
	for _, p := range tr {
		if p.role == role {
			out = append(out, p)
		}
	}
	return out
}

// shard returns the process of shard id.
func (tr riffledTree) shard(id int) (rproc, bool) {
	for _, p := range tr.shards() {
		if p.shard == id {
			return p, true
		}
	}
	return rproc{}, false
}

func startTime(pid int) (uint64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	// Fields after the command: state is field 3, starttime field 22.
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[19], 10, 64)
	return v, err == nil
}

// riffled lists the live riffled processes in the container's PID
// namespace, recognised by argv[0] and told apart by their role argument.
func (c *container) riffled() riffledTree {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.pid1))
	if err != nil {
		c.t.Fatalf("container PID namespace: %v", err)
	}
	ents, _ := os.ReadDir("/proc")
	var out riffledTree
	for _, e := range ents {
		hostPID, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", hostPID)); l != ns || !testutil.Alive(hostPID) {
			continue
		}
		args, err := testutil.Cmdline(hostPID)
		if err != nil || len(args) == 0 || filepath.Base(args[0]) != "riffled" {
			continue
		}
		p := rproc{hostPID: hostPID, role: "supervisor", shard: -1}
		switch {
		case len(args) > 1 && args[1] == "front":
			p.role = "front"
		case len(args) > 1 && args[1] == "shard":
			p.role = "shard"
			if i := slices.Index(args, "--id"); i > 0 && i+1 < len(args) {
				p.shard, _ = strconv.Atoi(args[i+1])
			}
		}
		var ok bool
		if p.start, ok = startTime(hostPID); !ok {
			continue
		}
		ids := nsPID(hostPID)
		if len(ids) == 0 {
			continue
		}
		p.pid = ids[len(ids)-1]
		p.exe, _ = os.Readlink(fmt.Sprintf("/proc/%d/exe", hostPID))
		out = append(out, p)
	}
	return out
}

// threadCPUs returns the Cpus_allowed_list of every thread of the process,
// keyed by thread id.
func threadCPUs(hostPID int) (map[string]string, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", hostPID))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", hostPID, task.Name()))
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
				out[task.Name()] = strings.TrimSpace(v)
			}
		}
	}
	return out, nil
}

// cpuCount counts the CPUs in a list such as "0-3,6".
func cpuCount(list string) int {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			n++
			continue
		}
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		n += b - a + 1
	}
	return n
}
