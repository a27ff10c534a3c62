// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"riffle/internal/testutil"
	"riffle/internal/uring"
	"riffle/ipc"
)

// kill -9 of the supervisor leaves no riffled process behind: the shards
// and the front die with it (Pdeathsig from the forking thread, and EOF of
// their supervisor channel).
func TestSupervisorKillLeavesNoProcess(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	pids := append(s.ShardPIDs(), s.Status().FrontPID)
	start := time.Now()
	s.Kill()
	testutil.Eventually(t, 2*time.Second, func() error {
		for _, pid := range pids {
			if testutil.Alive(pid) {
				return fmt.Errorf("pid %d still alive after the supervisor was killed", pid)
			}
		}
		return nil
	})
	t.Logf("children %v gone %v after SIGKILL of the supervisor", pids, time.Since(start).Round(time.Millisecond))
}

// A second stop signal forces an immediate exit even while the graceful stop
// waits for a request in flight, and takes the children with it.
func TestSecondSignalForcesExit(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	pids := append(s.ShardPIDs(), s.Status().FrontPID)
	busy := dialRaw(t, s.Addr)
	if _, err := busy.Write(request(1, nil)[:4]); err != nil { // half a frame: the drain waits for it
		t.Fatal(err)
	}
	s.Signal(syscall.SIGTERM)
	first := time.Now()
	testutil.Eventually(t, 10*time.Second, func() error {
		for _, l := range s.LogLines() {
			if l["role"] == "shard" && l["msg"] == "shutdown started" {
				return nil
			}
		}
		return fmt.Errorf("no shard is stopping yet")
	})
	// Later than a duplicate of the first (TestDuplicateSignalStopsGracefully).
	time.Sleep(time.Until(first.Add(500 * time.Millisecond)))
	start := time.Now()
	s.Signal(syscall.SIGTERM)
	if code := s.Wait(5 * time.Second); code == 0 {
		t.Fatalf("forced exit returned 0")
	}
	if took := time.Since(start); took > testutil.Scale(3*time.Second) {
		t.Fatalf("the second signal took %v to end the process", took)
	}
	testutil.Eventually(t, 2*time.Second, func() error {
		for _, pid := range pids {
			if testutil.Alive(pid) {
				return fmt.Errorf("pid %d outlived a forced exit", pid)
			}
		}
		return nil
	})
	if !strings.Contains(s.Log(), "second stop signal; forcing exit") {
		t.Fatalf("log does not say the exit was forced:\n%s", s.tail())
	}
}

// One stop delivered twice at once (to the process group and again by a
// parent such as make) is one request: the stop stays graceful, answers the
// request in flight and exits 0.
func TestDuplicateSignalStopsGracefully(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	c := dialRaw(t, s.Addr)
	ping := request(1, nil)
	if _, err := c.Write(ping[:4]); err != nil { // half a frame: the drain waits for it
		t.Fatal(err)
	}
	s.Signal(syscall.SIGTERM)
	// Apart enough that the kernel does not merge the two into one pending
	// signal, well inside the supervisor's window for duplicates.
	time.Sleep(20 * time.Millisecond)
	s.Signal(syscall.SIGTERM)
	testutil.Eventually(t, 10*time.Second, func() error {
		if !strings.Contains(s.Log(), "taken as the same request") {
			return fmt.Errorf("the repeated signal is not logged yet")
		}
		return nil
	})
	if _, err := c.Write(ping[4:]); err != nil {
		t.Fatal(err)
	}
	if status, _, err := c.readResponse(); err != nil || status != 0 {
		t.Fatalf("the request in flight: status %d, %v", status, err)
	}
	if code := s.Wait(testutil.Scale(10 * time.Second)); code != 0 {
		t.Fatalf("exit code %d after a repeated signal:\n%s", code, s.tail())
	}
	log := s.Log()
	if strings.Contains(log, "forcing exit") || !strings.Contains(log, "shutdown complete") {
		t.Fatalf("the stop was not the graceful one:\n%s", s.tail())
	}
}

// procStat reads a process's descriptor count, thread count and resident size.
func procStat(t *testing.T, pid int) (fds, threads int, rss int64) {
	t.Helper()
	fds, err := testutil.FDCount(pid)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Threads:":
			threads, _ = strconv.Atoi(f[1])
		case "VmRSS:":
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb << 10
		}
	}
	return fds, threads, rss
}

// zombies returns the children of pid that are zombies.
func zombies(t *testing.T, pid int) []int {
	t.Helper()
	kids, err := testutil.Children(pid)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, k := range kids {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", k)); err == nil {
			s := string(b)
			if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) && s[i+2] == 'Z' {
				out = append(out, k)
			}
		}
	}
	return out
}

// 100 shard restarts in a row leak nothing: the supervisor's and the front's
// descriptor and thread counts come back to their exact baseline, their
// resident size stays within 8 MiB of it, and no child is left a zombie.
func TestHundredShardRestartsLeakNothing(t *testing.T) {
	// Without the race detector: its runtime grows resident memory and
	// threads on its own.
	s := Start(t, Options{Shards: 2, Binary: noRaceBinary(t)})
	restart := func(i int) {
		var res ipc.ShardRestartResult
		if err := s.Ctl(ipc.TypeShardRestart, ipc.ShardRestart{V: 1, Shard: i % 2}, &res); err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
	}
	sup := s.PID()
	front := s.Status().FrontPID
	// Warm up until the thread counts stop growing: a Go process keeps the
	// idle threads it made for blocking system calls and reuses them, so the
	// baseline is that plateau.
	threads := func() (int, int) {
		_, a, _ := procStat(t, sup)
		_, b, _ := procStat(t, front)
		return a, b
	}
	n := 0
	for round, stable := 0, 0; round < 20 && stable < 3; round++ {
		a, b := threads()
		for i := 0; i < 10; i++ {
			restart(n)
			n++
		}
		if a2, b2 := threads(); a2 == a && b2 == b {
			stable++
		} else {
			stable = 0
		}
	}
	type sample struct {
		fds, threads int
		rss          int64
	}
	measure := func() (sample, sample) {
		var a, b sample
		a.fds, a.threads, a.rss = procStat(t, sup)
		b.fds, b.threads, b.rss = procStat(t, front)
		return a, b
	}
	// The baseline once nothing is moving: the same counts three times in a row.
	settled := func() (sample, sample) {
		a, b := measure()
		for same := 0; same < 3; {
			time.Sleep(100 * time.Millisecond)
			a2, b2 := measure()
			if a2.fds == a.fds && a2.threads == a.threads && b2.fds == b.fds && b2.threads == b.threads {
				same++
			} else {
				same = 0
			}
			a, b = a2, b2
		}
		return a, b
	}
	supBase, frontBase := settled()
	for i := 0; i < 100; i++ {
		restart(n + i)
	}
	// Children reaped, channels closed: the counts settle back.
	testutil.Eventually(t, 10*time.Second, func() error {
		supNow, frontNow := measure()
		if supNow.fds != supBase.fds || frontNow.fds != frontBase.fds {
			return fmt.Errorf("descriptors: supervisor %d (baseline %d), front %d (baseline %d)", supNow.fds, supBase.fds, frontNow.fds, frontBase.fds)
		}
		if z := zombies(t, sup); len(z) > 0 {
			return fmt.Errorf("zombie children %v", z)
		}
		return nil
	})
	// Threads: a Go process keeps every thread it ever made, and its runtime
	// may make one more when a system call happens to block while other
	// goroutines wait to run, which is timing, not restarts. So the counts
	// must be back at the baseline, or, when the runtime grew meanwhile,
	// unchanged over another 100 restarts: a leak grows with the restarts.
	supNow, frontNow := settled()
	if supNow.threads != supBase.threads || frontNow.threads != frontBase.threads {
		t.Logf("threads after 100 restarts: supervisor %d (baseline %d), front %d (baseline %d); checking they stay",
			supNow.threads, supBase.threads, frontNow.threads, frontBase.threads)
		if supNow.threads > supBase.threads+1 || frontNow.threads > frontBase.threads+1 {
			t.Fatalf("threads grew by more than the runtime's one spare")
		}
		for i := 0; i < 100; i++ {
			restart(n + 100 + i)
		}
		supAgain, frontAgain := settled()
		if supAgain.threads != supNow.threads || frontAgain.threads != frontNow.threads || supAgain.fds != supBase.fds || frontAgain.fds != frontBase.fds {
			t.Fatalf("after 100 more restarts: supervisor %d threads %d fds, front %d threads %d fds; they grow with restarts",
				supAgain.threads, supAgain.fds, frontAgain.threads, frontAgain.fds)
		}
	}
	for name, d := range map[string]int64{"supervisor": supNow.rss - supBase.rss, "front": frontNow.rss - frontBase.rss} {
		if d > 8<<20 {
			t.Fatalf("%s resident size grew %d bytes over 100 restarts", name, d)
		}
	}
	t.Logf("supervisor fds %d threads %d rss %+d KiB; front fds %d threads %d rss %+d KiB",
		supNow.fds, supNow.threads, (supNow.rss-supBase.rss)>>10, frontNow.fds, frontNow.threads, (frontNow.rss-frontBase.rss)>>10)
	for _, sh := range s.Shards() {
		if sh.State != ipc.StateReady {
			t.Fatalf("shard %d is %s after the restarts", sh.ID, sh.State)
		}
	}
	if err := dialRaw(t, s.Addr).ping(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
}

// With storage.io = auto, shards use io_uring wherever the ring works.
func TestAutoChoosesUringWhereItWorks(t *testing.T) {
	if err := uring.Probe(); err != nil {
		t.Skipf("io_uring unavailable here (%v): the portable backend is right", err)
	}
	s := Start(t, Options{Shards: 2})
	seen := 0
	for _, l := range s.LogLines() {
		if l["msg"] == "storage open" {
			if l["io"] != "uring" {
				t.Fatalf("shard %v opened storage with %v", l["shard"], l["io"])
			}
			seen++
		}
	}
	if seen != 2 {
		t.Fatalf("%d shards logged their storage backend, want 2", seen)
	}
	s.Stop()
}
