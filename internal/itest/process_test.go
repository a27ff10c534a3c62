// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"riffle/internal/affinity"
	"riffle/internal/testutil"
)

func needCPUs(t *testing.T, n int) []int {
	t.Helper()
	cpus, err := affinity.Current()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) < n {
		t.Skipf("needs %d CPUs, have %v", n, cpus)
	}
	return cpus
}

// Acceptance 1: two shard processes and one front are the supervisor's
// children, and every thread of shard i is pinned to one CPU, distinct per shard.
func TestShardsArePinnedChildrenOfTheSupervisor(t *testing.T) {
	needCPUs(t, 2)
	s := Start(t, Options{Shards: 2})
	kids, err := testutil.Children(s.PID())
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	for _, pid := range kids {
		argv, err := testutil.Cmdline(pid)
		if err != nil || len(argv) < 2 {
			t.Fatalf("child %d argv %v: %v", pid, argv, err)
		}
		roles[strings.Join(argv[1:], " ")]++
	}
	want := map[string]int{"front": 1, "shard --id 0": 1, "shard --id 1": 1}
	if fmt.Sprint(roles) != fmt.Sprint(want) {
		t.Fatalf("children %v, want %v", roles, want)
	}
	// The supervisor keeps one thread per shard pinned (the thread that
	// forked it, alive as long as the child); its main thread and every other
	// thread keep the full mask.
	all := needCPUs(t, 2)
	supThreads, err := affinity.ThreadCPUs(s.PID())
	if err != nil {
		t.Fatal(err)
	}
	pinned := 0
	for tid, cpus := range supThreads {
		if slices.Equal(cpus, all) {
			continue
		}
		pinned++
		if tid == s.PID() {
			t.Fatalf("supervisor main thread has Cpus_allowed_list %v, want %v", cpus, all)
		}
	}
	if pinned > 2 {
		t.Fatalf("%d supervisor threads pinned, want at most one per shard", pinned)
	}
	seen := map[int]int{}
	for id, sh := range s.Shards() {
		if !slices.Contains(kids, sh.PID) {
			t.Fatalf("shard %d pid %d is not a child of the supervisor", id, sh.PID)
		}
		threads, err := affinity.ThreadCPUs(sh.PID)
		if err != nil {
			t.Fatal(err)
		}
		if len(threads) < 2 {
			t.Fatalf("shard %d has %d threads; expected a Go runtime's several", id, len(threads))
		}
		for tid, cpus := range threads {
			if len(cpus) != 1 || cpus[0] != sh.CPU {
				t.Fatalf("shard %d thread %d Cpus_allowed_list %v, want [%d]", id, tid, cpus, sh.CPU)
			}
		}
		if other, dup := seen[sh.CPU]; dup {
			t.Fatalf("shards %d and %d share CPU %d", other, id, sh.CPU)
		}
		seen[sh.CPU] = id
		t.Logf("shard %d (pid %d): %d threads, all on CPU %d", id, sh.PID, len(threads), sh.CPU)
	}
	s.Stop()
}

// Acceptance 2: 200 connections through the front each answer Ping, land on
// both shards, and the front keeps no client descriptor.
func TestConnectionsAreHandedToBothShards(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	front := s.Status().FrontPID
	before, err := testutil.FDCount(front)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	conns := make([]*rawConn, n)
	for i := range conns {
		conns[i] = dialRaw(t, s.Addr)
		if err := conns[i].ping(); err != nil {
			t.Fatalf("conn %d: %v", i, err)
		}
	}
	perShard := map[int]int{}
	pids := s.ShardPIDs()
	for _, c := range conns {
		owner, err := testutil.SocketOwner(pids, s.Port, c.localPort())
		if err != nil {
			t.Fatal(err)
		}
		perShard[owner]++
	}
	if len(perShard) != 2 {
		t.Fatalf("connections per shard pid %v: want both shards used", perShard)
	}
	for pid, k := range perShard {
		if k < n/4 {
			t.Fatalf("shard pid %d got only %d of %d connections: %v", pid, k, n, perShard)
		}
	}
	after, err := testutil.FDCount(front)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("front holds %d descriptors after 200 hand-offs, %d before", after, before)
	}
	t.Logf("connections per shard pid %v; front descriptors %d before, %d after", perShard, before, after)
	for i, c := range conns {
		if err := c.ping(); err != nil {
			t.Fatalf("conn %d second ping: %v", i, err)
		}
	}
	s.Stop()
}

// Acceptance 3: SIGTERM with connections open and a request in flight: the
// request is answered, the processes exit 0 within the deadline, and the log
// shows each phase, each shard's report and "shutdown complete".
func TestSigtermAnswersTheRequestInFlight(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	var idle []*rawConn
	for i := 0; i < 10; i++ {
		c := dialRaw(t, s.Addr)
		if err := c.ping(); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	busy := dialRaw(t, s.Addr)
	if err := busy.ping(); err != nil {
		t.Fatal(err)
	}
	frame := request(1, nil)
	if _, err := busy.Write(frame[:4]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.Signal(syscall.SIGTERM)
	// Let the stop reach the shards before the rest of the frame arrives.
	testutil.Eventually(t, 10*time.Second, func() error {
		if !strings.Contains(s.Log(), `"msg":"shutdown started","pid"`) || strings.Count(s.Log(), `"role":"shard","shard"`) == 0 {
			return fmt.Errorf("shards not stopping yet")
		}
		for _, l := range s.LogLines() {
			if l["role"] == "shard" && l["msg"] == "shutdown started" {
				return nil
			}
		}
		return fmt.Errorf("no shard started its shutdown")
	})
	time.Sleep(50 * time.Millisecond)
	if _, err := busy.Write(frame[4:]); err != nil {
		t.Fatalf("second half: %v", err)
	}
	st, payload, err := busy.readResponse()
	if err != nil || st != 0 || len(payload) != 0 {
		t.Fatalf("in-flight ping: status %d, %d bytes, %v", st, len(payload), err)
	}
	for i, c := range idle {
		st, _, err := c.readResponse()
		if err == nil && st != 8 {
			t.Fatalf("idle conn %d got status %d, want Disconnected (8) or close", i, st)
		}
	}
	if code := s.Wait(30 * time.Second); code != 0 {
		t.Fatalf("supervisor exit %d\n%s", code, s.tail())
	}
	took := time.Since(start)
	if took > 20*time.Second {
		t.Fatalf("stop took %v, over the 20s deadline", took)
	}
	var phases []string
	reports := map[string]bool{}
	last := ""
	for _, l := range s.LogLines() {
		if l["role"] != "supervisor" {
			continue
		}
		msg, _ := l["msg"].(string)
		last = msg
		if ph, ok := l["phase"].(string); ok && strings.HasPrefix(msg, "shutdown phase done") {
			if _, ok := l["took"]; !ok {
				t.Fatalf("phase %s logged without its duration", ph)
			}
			phases = append(phases, ph)
		}
		if msg == "child shutdown report" {
			reports[l["child"].(string)] = true
			if _, ok := l["tasks_drained"]; !ok {
				t.Fatalf("report without task counts: %v", l)
			}
		}
	}
	if want := []string{"front", "shards", "state", "cleanup"}; !slices.Equal(phases, want) {
		t.Fatalf("phases %v, want %v", phases, want)
	}
	if !reports["shard 0"] || !reports["shard 1"] || !reports["front"] {
		t.Fatalf("reports from %v", reports)
	}
	if last != "shutdown complete" {
		t.Fatalf("last supervisor line %q, want \"shutdown complete\"", last)
	}
	t.Logf("in-flight ping answered; exit 0 after %v; phases %v; reports from %v", took.Round(time.Millisecond), phases, reports)
	for _, l := range s.LogLines() {
		if l["msg"] == "child exited unexpectedly" || l["level"] == "error" {
			t.Fatalf("unexpected log line: %v", l)
		}
	}
}

// Acceptance 4: `riffle shard restart 1` gives shard 1 a new pid on the same
// CPU within a second, a client of shard 0 pinging in a loop sees no error,
// and new connections reach shard 1 again.
func TestShardRestartLeavesOtherShardServing(t *testing.T) {
	needCPUs(t, 2)
	s := Start(t, Options{Shards: 2})
	before := s.Shards()

	var on0 *rawConn
	for i := 0; i < 20 && on0 == nil; i++ {
		c := dialRaw(t, s.Addr)
		if err := c.ping(); err != nil {
			t.Fatal(err)
		}
		if s.ownerShard(t, c) == 0 {
			on0 = c
		}
	}
	if on0 == nil {
		t.Fatal("no connection landed on shard 0")
	}
	var pings, failures atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := on0.ping(); err != nil {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, err)
				return
			}
			pings.Add(1)
		}
	}()
	time.Sleep(100 * time.Millisecond)

	startRestart := time.Now()
	out, errOut, code := CLI(t, "--ctl", s.CtlPath(), "-o", "json", "shard", "restart", "1")
	wall := time.Since(startRestart)
	if code != 0 {
		t.Fatalf("riffle shard restart 1: exit %d: %s %s", code, out, errOut)
	}
	var res struct {
		NewPID int   `json:"new_pid"`
		TookNS int64 `json:"took_ns"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("restart output %q: %v", out, err)
	}
	took := time.Duration(res.TookNS)
	after := s.Shards()
	if after[1].PID == before[1].PID || after[1].PID == 0 {
		t.Fatalf("shard 1 pid %d -> %d", before[1].PID, after[1].PID)
	}
	if after[0].PID != before[0].PID {
		t.Fatalf("shard 0 changed pid %d -> %d", before[0].PID, after[0].PID)
	}
	if res.NewPID != after[1].PID {
		t.Fatalf("restart reported pid %d, shard list says %d", res.NewPID, after[1].PID)
	}
	// The supervisor's own measure: drain, graceful stop, pinned start, Ready.
	// The command's wall time adds the CLI's own start (a race build here).
	if took > testutil.Scale(time.Second) || wall > testutil.Scale(3*time.Second) {
		t.Fatalf("restart took %v (command %v), want under 1s", took, wall)
	}
	threads, err := affinity.ThreadCPUs(after[1].PID)
	if err != nil {
		t.Fatal(err)
	}
	if cpus := affinity.Union(threads); !slices.Equal(cpus, []int{before[1].CPU}) {
		t.Fatalf("new shard 1 threads on %v, want [%d]", cpus, before[1].CPU)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("client on shard 0 saw an error during the restart: %v", firstErr.Load())
	}
	if pings.Load() < 10 {
		t.Fatalf("only %d pings during the restart", pings.Load())
	}
	// New connections reach shard 1 again (it has the fewest now).
	reached := false
	for i := 0; i < 10 && !reached; i++ {
		c := dialRaw(t, s.Addr)
		if err := c.ping(); err != nil {
			t.Fatal(err)
		}
		reached = s.ownerShard(t, c) == 1
	}
	if !reached {
		t.Fatal("no new connection reached the restarted shard 1")
	}
	t.Logf("restart took %v (command %v); %d pings on shard 0 meanwhile", took, wall, pings.Load())
	s.Stop()
}
