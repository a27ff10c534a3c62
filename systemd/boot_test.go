// SPDX-License-Identifier: Apache-2.0

package systemd_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"riffle/internal/testutil"
)

// TestRiffledUnderSystemd boots systemd in systemd-nspawn, installs the
// real binaries and units with `make install` inside it, and checks the lifecycle
// systemd sees (issue 5, acceptance 2 and 3). The checks run in order on
// one container and each starts riffled again if an earlier one left it
// stopped. Needs root and systemd-nspawn; the root file system is built
// with mmdebstrap on first use and cached (see nspawn_test.go).
func TestRiffledUnderSystemd(t *testing.T) {
	needContainerTools(t)
	begin := time.Now()
	rootfs := ensureRootfs(t)
	payload := buildPayload(t)
	built := time.Now()
	t.Logf("root file system ready and binaries built in %v", built.Sub(begin).Round(time.Millisecond))
	s := &session{c: bootContainer(t, rootfs, payload)}
	if !t.Run("make install sets up user, binaries, units and config", s.installRiffle) {
		t.FailNow()
	}

	t.Run("start becomes active after READY", s.checkStart)
	t.Run("ping through the front", s.checkPing)
	t.Run("shards pinned to distinct CPUs", s.checkPinning)
	t.Run("shard restart replaces only shard 1", s.checkShardRestart)
	t.Run("reload runs the new binary and answers every ping", s.checkReload)
	t.Run("stop is graceful", s.checkStop)
	t.Run("socket activation serves a connection made before start", s.checkSocketActivation)
	t.Run("killing the main process leaves no riffled process", s.checkKillMain)
	t.Run("watchdog restarts a hung supervisor", s.checkWatchdog)
	t.Logf("checks took %v; whole test so far %v", time.Since(built).Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
}

func (s *session) checkStart(t *testing.T) {
	s.journalOnFailure(t)
	start := time.Now()
	s.c.must(t, "systemctl", "start", "riffled.socket", "riffled.service")
	took := time.Since(start)
	st := s.show(t, "riffled.service", "ActiveState", "SubState", "Type", "StatusText", "MainPID")
	if st["ActiveState"] != "active" || st["SubState"] != "running" || st["Type"] != "notify" {
		t.Fatalf("after systemctl start: %v; want an active, running Type=notify service", st)
	}
	if !strings.Contains(st["StatusText"], "serving") {
		t.Errorf("StatusText=%q; the supervisor's STATUS= should say it is serving", st["StatusText"])
	}
	mainPID, _ := strconv.Atoi(st["MainPID"])
	tree := s.checkTree(t, mainPID)
	if sock := s.show(t, "riffled.socket", "ActiveState", "SubState"); sock["SubState"] != "running" && sock["SubState"] != "listening" {
		t.Errorf("riffled.socket is %v", sock)
	}
	t.Logf("systemctl start returned after %v: %s, %v", took.Round(time.Millisecond), st["StatusText"], tree)
}

func (s *session) checkPing(t *testing.T) {
	s.journalOnFailure(t)
	s.ensureActive(t)
	out, err := s.c.run(time.Minute, rifflePath, "ping", "--count", "3", "--interval", "10ms", "-o", "json")
	sum, perr := parsePingOutput(out)
	if err != nil || perr != nil || sum.Answered != 3 || sum.Connects != 1 {
		t.Fatalf("riffle ping --count 3 to 127.0.0.1:8090: %v %v; %s", err, perr, sum)
	}
}

func (s *session) checkPinning(t *testing.T) {
	s.journalOnFailure(t)
	s.ensureActive(t)
	tree := s.checkTree(t, s.mainPID(t))
	var st status
	s.ctlJSON(t, &st, "server", "status")
	cpuOf := map[string]int{} // cpu list -> shard
	for _, sh := range tree.shards() {
		threads, err := threadCPUs(sh.hostPID)
		if err != nil {
			t.Fatalf("%v: %v", sh, err)
		}
		lists := map[string]bool{}
		for _, l := range threads {
			lists[l] = true
		}
		if len(lists) != 1 {
			t.Errorf("%v: threads on different CPU sets %v", sh, threads)
			continue
		}
		var list string
		for l := range lists {
			list = l
		}
		if cpuCount(list) != 1 {
			t.Errorf("%v: %d threads allowed on CPUs %s, want one CPU", sh, len(threads), list)
			continue
		}
		if other, dup := cpuOf[list]; dup {
			t.Errorf("shards %d and %d both pinned to CPU %s", other, sh.shard, list)
		}
		cpuOf[list] = sh.shard
		for _, rep := range st.Shards {
			if rep.ID == sh.shard && (strconv.Itoa(rep.CPU) != list || rep.PID != sh.pid) {
				t.Errorf("riffle server status says shard %d is pid %d on CPU %d; /proc says pid %d on CPU %s", rep.ID, rep.PID, rep.CPU, sh.pid, list)
			}
		}
	}
	t.Logf("pinning (CPU -> shard): %v", cpuOf)
}

func (s *session) checkShardRestart(t *testing.T) {
	s.journalOnFailure(t)
	s.ensureActive(t)
	mainPID, restarts := s.mainPID(t), s.nRestarts(t)
	before := s.checkTree(t, mainPID)
	old0, _ := before.shard(0)
	old1, _ := before.shard(1)
	oldCPUs, _ := threadCPUs(old1.hostPID)
	var res struct {
		OldPID int   `json:"old_pid"`
		NewPID int   `json:"new_pid"`
		CPU    int   `json:"cpu"`
		TookNS int64 `json:"took_ns"`
	}
	start := time.Now()
	s.ctlJSON(t, &res, "shard", "restart", "1")
	wall := time.Since(start)
	gone(t, 5*time.Second, "shard 1 after riffle shard restart 1", riffledTree{old1})
	after := s.checkTree(t, mainPID)
	new0, _ := after.shard(0)
	new1, _ := after.shard(1)
	switch {
	case !new0.same(old0):
		t.Errorf("shard 0 changed from %v to %v", old0, new0)
	case res.OldPID != old1.pid || res.NewPID != new1.pid:
		t.Errorf("riffle shard restart reported pid %d -> %d; /proc shows %d -> %d", res.OldPID, res.NewPID, old1.pid, new1.pid)
	}
	if s.mainPID(t) != mainPID || s.nRestarts(t) != restarts {
		t.Errorf("MainPID or NRestarts changed: systemd restarted the service for a shard restart")
	}
	newCPUs, _ := threadCPUs(new1.hostPID)
	for _, l := range newCPUs {
		if want := oldCPUs[strconv.Itoa(old1.hostPID)]; l != want {
			t.Errorf("new shard 1 has a thread on CPUs %s, old one was pinned to %s", l, want)
			break
		}
	}
	t.Logf("shard 1: pid %d -> %d on CPU %d in %v (supervisor) / %v (command)", res.OldPID, res.NewPID, res.CPU,
		time.Duration(res.TookNS).Round(time.Millisecond), wall.Round(time.Millisecond))
}

func (s *session) checkReload(t *testing.T) {
	s.journalOnFailure(t)
	s.ensureActive(t)
	mainPID := s.mainPID(t)
	before := s.checkTree(t, mainPID)
	// Replace the binary the way `make install` does: a new file renamed
	// over the old path, which the running processes keep open.
	s.c.must(t, "install", "-m", "0755", payloadDir+"/bin-b/riffled", riffledPath+".new")
	s.c.must(t, "mv", "-f", riffledPath+".new", riffledPath)
	if v := s.c.must(t, riffledPath, "--version"); !strings.HasSuffix(v, " "+versionB) {
		t.Fatalf("installed riffled --version says %q, want version %s", v, versionB)
	}

	p := s.startPinger(t, "--count", "0", "--interval", "5ms", "--reconnect", "--timeout", "10s")
	p.waitAnswerAfter(t, time.Now(), "before the reload")
	reloadStart := time.Now()
	out, err := s.c.run(2*time.Minute, "systemctl", "reload", "riffled")
	reloadEnd := time.Now()
	if err != nil {
		t.Fatalf("systemctl reload riffled: %v\n%s", err, out)
	}
	p.waitAnswerAfter(t, reloadEnd, "after the reload")
	sum, perr := p.stop(t)

	// Every child of the old generation is replaced; the supervisor stays.
	gone(t, 5*time.Second, "children from before systemctl reload", append(before.shards(), before.fronts()...))
	after := s.checkTree(t, mainPID)
	if !after.supervisors()[0].same(before.supervisors()[0]) {
		t.Errorf("the supervisor changed from %v to %v", before.supervisors()[0], after.supervisors()[0])
	}
	// The children run the file installed now; the supervisor still runs
	// the one it started from, which has been replaced.
	for _, p := range append(after.shards(), after.fronts()...) {
		if p.exe != riffledPath {
			t.Errorf("%v runs %q, want the newly installed %s", p, p.exe, riffledPath)
		}
	}
	if sup := after.supervisors()[0]; !strings.HasSuffix(sup.exe, "(deleted)") {
		t.Errorf("supervisor runs %q; expected the replaced (deleted) version A file", sup.exe)
	}
	var st status
	s.ctlJSON(t, &st, "server", "status")
	if st.PID != mainPID || st.Version != versionA || st.FrontVersion != versionB {
		t.Errorf("riffle server status: supervisor pid %d version %q, front version %q; want pid %d, %s, %s",
			st.PID, st.Version, st.FrontVersion, mainPID, versionA, versionB)
	}
	for _, sh := range st.Shards {
		if sh.Version != versionB || sh.State != "ready" {
			t.Errorf("riffle server status: shard %d is %s with version %q, want ready with %s", sh.ID, sh.State, sh.Version, versionB)
		}
	}
	if len(st.Shards) != len(after.shards()) {
		t.Errorf("riffle server status lists %d shards, /proc has %d", len(st.Shards), len(after.shards()))
	}

	if perr != nil || sum.Unanswered != 0 || sum.Refused != 0 {
		t.Errorf("pinging in a loop during the reload: exit %v; %s", perr, sum)
	}
	if sum.FirstAnswer >= reloadStart.UnixNano() || sum.LastAnswer <= reloadEnd.UnixNano() {
		t.Errorf("the pings did not span the reload: answers %v..%v, reload %v..%v", time.Unix(0, sum.FirstAnswer), time.Unix(0, sum.LastAnswer), reloadStart, reloadEnd)
	}
	t.Logf("systemctl reload took %v; pinger: %s", reloadEnd.Sub(reloadStart).Round(time.Millisecond), sum)
}

func (s *session) checkStop(t *testing.T) {
	s.journalOnFailure(t)
	s.ensureActive(t)
	inv := s.show(t, "riffled.service", "InvocationID")["InvocationID"]
	tree := s.checkTree(t, s.mainPID(t))
	start := time.Now()
	out, err := s.c.run(time.Minute, "systemctl", "stop", "riffled.service")
	took := time.Since(start)
	if err != nil {
		t.Fatalf("systemctl stop riffled: %v\n%s", err, out)
	}
	st := s.show(t, "riffled.service", "ActiveState", "Result", "ExecMainCode", "ExecMainStatus")
	// ExecMainCode 1 is CLD_EXITED: the supervisor exited by itself.
	if st["ActiveState"] != "inactive" || st["Result"] != "success" || st["ExecMainCode"] != "1" || st["ExecMainStatus"] != "0" {
		t.Errorf("after systemctl stop: %v; want inactive, Result=success, exited with status 0", st)
	}
	if left := s.c.riffled(); len(left) > 0 {
		t.Errorf("riffled processes left after stop: %v", left)
	}
	journal := s.waitJournal(t, inv, `"shutdown complete"`, "Deactivated successfully")
	// The supervisor's phases, in order, from its own lines.
	sup := tree.supervisors()[0].pid
	shardPIDs := map[int]bool{}
	for _, sh := range tree.shards() {
		shardPIDs[sh.pid] = true
	}
	want := []string{"stop signal received", "shutdown started", "phase front", "phase shards", "shutdown complete"}
	var seen []string
	shardReports := 0
	for _, l := range parseLogLines(journal) {
		switch {
		case l.Role == "supervisor" && l.PID == sup && l.Phase != "":
			seen = append(seen, "phase "+l.Phase)
		case l.Role == "supervisor" && l.PID == sup && slices.Contains(want, l.Msg):
			seen = append(seen, l.Msg)
		case l.Role == "shard" && l.Msg == "shutdown report" && shardPIDs[l.PID]:
			shardReports++
			if l.TimedOut != nil && *l.TimedOut != 0 {
				t.Errorf("shard pid %d: %d tasks timed out while draining", l.PID, *l.TimedOut)
			}
		}
	}
	if got := slices.DeleteFunc(slices.Clone(seen), func(m string) bool { return !slices.Contains(want, m) }); !slices.Equal(got, want) {
		t.Errorf("supervisor's shutdown lines: %q, want %q in that order", seen, want)
	}
	if shardReports != len(tree.shards()) {
		t.Errorf("%d shards wrote a shutdown report, want %d", shardReports, len(tree.shards()))
	}
	t.Logf("systemctl stop took %v; supervisor phases %q", took.Round(time.Millisecond), seen)
}

func (s *session) checkSocketActivation(t *testing.T) {
	s.journalOnFailure(t)
	if s.show(t, "riffled.service", "ActiveState")["ActiveState"] != "inactive" {
		s.c.must(t, "systemctl", "stop", "riffled.service")
	}
	s.c.run(time.Minute, "systemctl", "reset-failed", "riffled.service")
	s.c.must(t, "systemctl", "start", "riffled.socket")
	if sock := s.show(t, "riffled.socket", "ActiveState", "SubState"); sock["SubState"] != "listening" {
		t.Fatalf("riffled.socket is %v with riffled stopped, want listening", sock)
	}
	if left := s.c.riffled(); len(left) > 0 {
		t.Fatalf("riffled processes before the test connection: %v", left)
	}
	connectAt := monotonicUsec(t)
	// One ping, no reconnect: answered only if the very connection made
	// while riffled was down is served once it is up.
	out, err := s.c.run(time.Minute, rifflePath, "ping", "--count", "1", "--timeout", "30s", "-o", "json")
	sum, perr := parsePingOutput(out)
	if err != nil || perr != nil || sum.Answered != 1 || sum.Connects != 1 || sum.Refused != 0 || sum.Disconnects != 0 {
		t.Fatalf("ping sent while riffled was stopped: %v %v; %s", err, perr, sum)
	}
	st := s.show(t, "riffled.service", "ActiveState", "ExecMainStartTimestampMonotonic")
	started, _ := strconv.ParseInt(st["ExecMainStartTimestampMonotonic"], 10, 64)
	if st["ActiveState"] != "active" || started <= connectAt {
		t.Errorf("riffled.service %v; want active, started after the connection (at %d µs)", st, connectAt)
	}
	t.Logf("riffled started %v after the connection; the ping waited %v", time.Duration(started-connectAt)*time.Microsecond, time.Duration(sum.RTTMaxNS).Round(time.Millisecond))
}

func (s *session) checkKillMain(t *testing.T) {
	s.journalOnFailure(t)
	s.ensureActive(t)
	mainPID, restarts := s.mainPID(t), s.nRestarts(t)
	inv := s.show(t, "riffled.service", "InvocationID")["InvocationID"]
	tree := s.checkTree(t, mainPID)
	s.c.must(t, "systemctl", "kill", "-s", "KILL", "--kill-who=main", "riffled.service")
	took := gone(t, 5*time.Second, "processes of the run whose supervisor was SIGKILLed", tree)
	t.Logf("all %d processes of the killed run gone %v after SIGKILL of the supervisor", len(tree), took.Round(time.Millisecond))
	// Restart=on-failure brings a new tree after RestartSec=.
	testutil.Eventually(t, 30*time.Second, func() error {
		st := s.show(t, "riffled.service", "ActiveState", "SubState", "MainPID", "NRestarts")
		if st["ActiveState"] != "active" || st["SubState"] != "running" || st["NRestarts"] != strconv.Itoa(restarts+1) {
			return fmt.Errorf("riffled.service %v, want active with NRestarts=%d", st, restarts+1)
		}
		return nil
	})
	s.checkTree(t, s.mainPID(t))
	s.waitJournal(t, inv, "Main process exited, code=killed, status=9/KILL")
}

func (s *session) checkWatchdog(t *testing.T) {
	s.journalOnFailure(t)
	// A short watchdog for this check only: the supervisor pings at half.
	dropIn := s.c.path("/etc/systemd/system/riffled.service.d/watchdog.conf")
	if err := os.MkdirAll(strings.TrimSuffix(dropIn, "/watchdog.conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dropIn, []byte("[Service]\nWatchdogSec=2s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(dropIn)
		s.c.run(time.Minute, "systemctl", "daemon-reload")
	})
	s.c.must(t, "systemctl", "daemon-reload")
	s.c.run(time.Minute, "systemctl", "reset-failed", "riffled.service")
	s.c.must(t, "systemctl", "restart", "riffled.service")
	s.waitActive(t, 30*time.Second)
	if wd := s.show(t, "riffled.service", "WatchdogUSec")["WatchdogUSec"]; wd != "2s" {
		t.Fatalf("WatchdogUSec=%s after the drop-in, want 2s", wd)
	}
	mainPID, restarts := s.mainPID(t), s.nRestarts(t)
	inv := s.show(t, "riffled.service", "InvocationID")["InvocationID"]
	tree := s.checkTree(t, mainPID)

	stopSignal(t, tree.supervisors()[0])
	took := gone(t, 30*time.Second, "processes of the run with the SIGSTOPped supervisor", tree)
	testutil.Eventually(t, 30*time.Second, func() error {
		st := s.show(t, "riffled.service", "ActiveState", "SubState", "MainPID", "NRestarts")
		if st["ActiveState"] != "active" || st["SubState"] != "running" || st["NRestarts"] != strconv.Itoa(restarts+1) || st["MainPID"] == strconv.Itoa(mainPID) {
			return fmt.Errorf("riffled.service %v, want active again with a new MainPID and NRestarts=%d", st, restarts+1)
		}
		return nil
	})
	s.checkTree(t, s.mainPID(t))
	// GOTRACEBACK=all: the runtime dumps every goroutine on the SIGABRT.
	s.waitJournal(t, inv, "Watchdog timeout", "SIGABRT", "goroutine ", "Failed with result 'watchdog'")
	t.Logf("hung supervisor (SIGSTOP) and its children gone %v later; restarted", took.Round(time.Millisecond))
}
