// SPDX-License-Identifier: Apache-2.0

// Package testutil holds helpers for riffle's tests: polling instead of
// sleeping, timeouts scaled by RIFFLE_TIMESCALE, and /proc readers for
// descriptor counts, child processes and socket ownership. Production code
// never imports it.
package testutil

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Scale multiplies d by RIFFLE_TIMESCALE (default 1), for slow machines.
func Scale(d time.Duration) time.Duration {
	if v, err := strconv.ParseFloat(os.Getenv("RIFFLE_TIMESCALE"), 64); err == nil && v > 0 {
		return time.Duration(float64(d) * v)
	}
	return d
}

// Eventually polls cond every 10ms until it returns nil or the scaled timeout
// passes, then fails the test with the last error.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(Scale(timeout))
	var err error
	for {
		if err = cond(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v: %v", Scale(timeout), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FDCount returns the number of open descriptors of pid.
func FDCount(pid int) (int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0, err
	}
	return len(ents), nil
}

// Children returns the pids of pid's direct children.
func Children(pid int) ([]int, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// Cmdline returns the argv of pid.
func Cmdline(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), nil
}

// Alive reports whether pid exists and is not a zombie.
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// SocketInodes returns the socket inodes open in pid.
func SocketInodes(pid int) (map[uint64]bool, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if v, ok := strings.CutPrefix(target, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(v, "]"), 10, 64); err == nil {
				out[n] = true
			}
		}
	}
	return out, nil
}

// TCPInode finds the inode of the IPv4 TCP socket whose local port is local
// and remote port is remote, from /proc/net/tcp.
func TCPInode(local, remote int) (uint64, error) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 10 {
			continue
		}
		lp, rp := hexPort(fs[1]), hexPort(fs[2])
		if lp == local && rp == remote {
			return strconv.ParseUint(fs[9], 10, 64)
		}
	}
	return 0, fmt.Errorf("no tcp socket %d -> %d", local, remote)
}

func hexPort(addr string) int {
	_, p, ok := strings.Cut(addr, ":")
	if !ok {
		return -1
	}
	n, err := strconv.ParseUint(p, 16, 32)
	if err != nil {
		return -1
	}
	return int(n)
}

// SocketOwner returns which of pids holds the server side of the TCP
// connection from client port clientPort to server port serverPort.
func SocketOwner(pids []int, serverPort, clientPort int) (int, error) {
	inode, err := TCPInode(serverPort, clientPort)
	if err != nil {
		return 0, err
	}
	for _, pid := range pids {
		socks, err := SocketInodes(pid)
		if err != nil {
			continue
		}
		if socks[inode] {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no process among %v holds socket %d", pids, inode)
}
