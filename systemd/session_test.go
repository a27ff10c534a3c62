// SPDX-License-Identifier: Apache-2.0

package systemd_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"riffle/internal/testutil"
)

// The two builds of riffled: the container starts version A; the reload
// check installs B over it first.
const (
	versionA = "A"
	versionB = "B"
)

// In the container: where `make install` puts things, and the payload.
const (
	riffledPath = "/usr/local/bin/riffled"
	rifflePath  = "/usr/local/bin/riffle"
	ctlSock     = "/run/riffle/ctl.sock"
	payloadDir  = "/mnt/payload"
)

// buildPayload builds riffled and riffle as version A and as version B with
// `make build`, and copies what `make install` reads (the Makefile, the
// units, riffled.toml) and the host's make next to them. It returns the
// directory. The binaries are static so they run on the container's libc
// whatever the host's is.
func buildPayload(t *testing.T) string {
	t.Helper()
	statSources(t)
	dir := t.TempDir()
	for _, v := range []struct{ bin, version string }{{"bin-a", versionA}, {"bin-b", versionB}} {
		args := []string{"-C", "..", "build", "BIN=" + filepath.Join(dir, v.bin), "VERSION=" + v.version}
		cmd := exec.Command("make", args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	hostMake, err := exec.LookPath("make")
	if err != nil {
		t.Fatal(err)
	}
	for src, dst := range map[string]string{
		"../Makefile":     "src/Makefile",
		"../riffled.toml": "src/riffled.toml",
		"riffled.service": "src/systemd/riffled.service",
		"riffled.socket":  "src/systemd/riffled.socket",
		hostMake:          "tools/make",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, dst)), 0o755); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), readFile(t, src), st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// statSources stats every file the payload is built from. go test caches
// a passing result keyed on the files the test process opened or stat'ed;
// the builds run in child processes, so without this a change to, say, the
// supervisor would replay a cached PASS of this package.
func statSources(t *testing.T) {
	t.Helper()
	n := 0
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != ".." && (strings.HasPrefix(name, ".") || name == "bin" || name == "local_data" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".go", ".mod", ".sum", ".toml", ".service", ".socket":
		default:
			if d.Name() != "Makefile" {
				return nil
			}
		}
		n++
		_, err = os.Stat(p)
		return err
	})
	if err != nil || n == 0 {
		t.Fatalf("stat the sources: %v (%d files)", err, n)
	}
}

// session drives riffled in one booted container.
type session struct {
	c *container
}

// installRiffle runs the repository's `make install` in the container as
// an operator would, with an empty DESTDIR: binaries, units, config, the
// system user and daemon-reload. The build step is skipped (GO=true) and BIN
// names the version A binaries built on the host. make is the host's (the
// minimal root file system has none); where it cannot run on the
// container's libc, the same steps are done one by one and the check says so.
func (s *session) installRiffle(t *testing.T) {
	makeArgs := []string{payloadDir + "/tools/make", "-C", payloadDir + "/src", "install", "GO=true", "BIN=" + payloadDir + "/bin-a"}
	if out, err := s.c.run(time.Minute, payloadDir+"/tools/make", "--version"); err != nil {
		t.Logf("the host's make does not run in the container (%v: %s); installing step by step instead", err, out)
		s.c.must(t, "install", "-D", "-m", "0755", "-t", "/usr/local/bin", payloadDir+"/bin-a/riffled", payloadDir+"/bin-a/riffle")
		s.c.must(t, "install", "-D", "-m", "0644", "-t", "/etc/systemd/system", payloadDir+"/src/systemd/riffled.service", payloadDir+"/src/systemd/riffled.socket")
		s.c.must(t, "install", "-D", "-m", "0644", payloadDir+"/src/riffled.toml", "/etc/riffle/riffled.toml")
		s.c.must(t, "groupadd", "--system", "riffle")
		s.c.must(t, "useradd", "--system", "--gid", "riffle", "--home-dir", "/var/lib/riffle", "--no-create-home", "--shell", "/usr/sbin/nologin", "riffle")
		s.c.must(t, "systemctl", "daemon-reload")
	} else {
		s.c.must(t, makeArgs...)
	}

	pw := strings.Split(s.c.must(t, "getent", "passwd", "riffle"), ":")
	gr := strings.Split(s.c.must(t, "getent", "group", "riffle"), ":")
	if len(pw) != 7 || len(gr) != 4 {
		t.Fatalf("getent: user riffle %q, group riffle %q", pw, gr)
	}
	if uid, _ := strconv.Atoi(pw[2]); uid <= 0 || uid >= 1000 || pw[3] != gr[2] || pw[5] != "/var/lib/riffle" || pw[6] != "/usr/sbin/nologin" {
		t.Errorf("user riffle is %q, group %q; want a system uid in group riffle, home /var/lib/riffle, shell /usr/sbin/nologin", pw, gr)
	}
	if v := s.c.must(t, riffledPath, "--version"); v != "riffled "+versionA {
		t.Errorf("installed %s --version: %q, want riffled %s", riffledPath, v, versionA)
	}
	for host, inside := range map[string]string{
		"riffled.service": "/etc/systemd/system/riffled.service",
		"riffled.socket":  "/etc/systemd/system/riffled.socket",
		"../riffled.toml": "/etc/riffle/riffled.toml",
	} {
		if !bytes.Equal(readFile(t, s.c.path(inside)), readFile(t, host)) {
			t.Errorf("%s in the container differs from the repository's %s", inside, host)
		}
	}
	if st := s.show(t, "riffled.service", "LoadState", "NeedDaemonReload"); st["LoadState"] != "loaded" || st["NeedDaemonReload"] != "no" {
		t.Errorf("riffled.service after make install: %v", st)
	}
	if t.Failed() {
		return
	}

	// Installing again keeps the operator's config and the user.
	conf := s.c.path("/etc/riffle/riffled.toml")
	edited := append(readFile(t, conf), "# edited by the operator\n"...)
	if err := os.WriteFile(conf, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.c.run(time.Minute, payloadDir+"/tools/make", "--version"); err == nil {
		out := s.c.must(t, makeArgs...)
		if got := readFile(t, conf); !bytes.Equal(got, edited) || !strings.Contains(out, "keeping") {
			t.Errorf("a second make install did not keep the edited /etc/riffle/riffled.toml:\n%s", out)
		}
		if again := strings.Split(s.c.must(t, "getent", "passwd", "riffle"), ":"); !slices.Equal(again, pw) {
			t.Errorf("a second make install changed user riffle from %q to %q", pw, again)
		}
	}
}

// show returns properties of a unit.
func (s *session) show(t *testing.T, unit string, props ...string) map[string]string {
	t.Helper()
	out := s.c.must(t, "systemctl", "show", unit, "-p", strings.Join(props, ","))
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

func (s *session) mainPID(t *testing.T) int {
	t.Helper()
	pid, _ := strconv.Atoi(s.show(t, "riffled.service", "MainPID")["MainPID"])
	return pid
}

func (s *session) nRestarts(t *testing.T) int {
	t.Helper()
	n, _ := strconv.Atoi(s.show(t, "riffled.service", "NRestarts")["NRestarts"])
	return n
}

// journalOnFailure prints riffled's journal when t fails.
func (s *session) journalOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := s.c.run(time.Minute, "journalctl", "-u", "riffled.service", "-u", "riffled.socket",
				"--no-pager", "-o", "short-precise", "-n", "400")
			t.Logf("journalctl -u riffled --no-pager (last 400 lines):\n%s", out)
		}
	})
}

// waitActive polls until riffled.service is active and running.
func (s *session) waitActive(t *testing.T, timeout time.Duration) {
	t.Helper()
	testutil.Eventually(t, timeout, func() error {
		st := s.show(t, "riffled.service", "ActiveState", "SubState")
		if st["ActiveState"] != "active" || st["SubState"] != "running" {
			return fmt.Errorf("riffled.service is %s/%s", st["ActiveState"], st["SubState"])
		}
		return nil
	})
}

// ensureActive starts riffled if an earlier check left it stopped, so each
// check can run on its own. Starting resets the start rate limit first:
// the checks start the unit more often than StartLimitBurst= allows.
func (s *session) ensureActive(t *testing.T) {
	t.Helper()
	if s.show(t, "riffled.service", "ActiveState")["ActiveState"] != "active" {
		s.c.run(time.Minute, "systemctl", "reset-failed", "riffled.service")
		s.c.must(t, "systemctl", "start", "riffled.socket", "riffled.service")
	}
	s.waitActive(t, 30*time.Second)
}

// journalOf returns the journal of one invocation of riffled: its own lines
// and PID 1's lines about it.
func (s *session) journalOf(t *testing.T, invocation string) string {
	t.Helper()
	out, err := s.c.run(time.Minute, "journalctl", "--no-pager", "-o", "cat",
		"_SYSTEMD_INVOCATION_ID="+invocation, "+", "INVOCATION_ID="+invocation)
	if err != nil {
		t.Fatalf("journalctl: %v\n%s", err, out)
	}
	return out
}

// waitJournal polls the journal of an invocation until it contains every
// one of want (journald writes asynchronously), and returns it.
func (s *session) waitJournal(t *testing.T, invocation string, want ...string) string {
	t.Helper()
	var text string
	testutil.Eventually(t, 15*time.Second, func() error {
		text = s.journalOf(t, invocation)
		for _, w := range want {
			if !strings.Contains(text, w) {
				return fmt.Errorf("journal of invocation %s has no %q", invocation, w)
			}
		}
		return nil
	})
	return text
}

// logLine is the part of riffled's JSON log lines the checks read.
type logLine struct {
	Msg      string `json:"msg"`
	Role     string `json:"role"`
	PID      int    `json:"pid"`
	Phase    string `json:"phase"`
	TimedOut *int   `json:"timed_out"`
}

func parseLogLines(journal string) []logLine {
	var out []logLine
	for _, line := range strings.Split(journal, "\n") {
		var l logLine
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, the clock of systemd's
// *TimestampMonotonic properties (the container shares the host's).
func monotonicUsec(t *testing.T) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Nano() / 1000
}

// pingSummary is the last line of `riffle ping -o json`.
type pingSummary struct {
	Sent        int      `json:"sent"`
	Answered    int      `json:"answered"`
	Unanswered  int      `json:"unanswered"`
	Connects    int      `json:"connects"`
	Reconnects  int      `json:"reconnects"`
	Disconnects int      `json:"disconnects"`
	Refused     int      `json:"refused"`
	Errors      []string `json:"errors"`
	FirstAnswer int64    `json:"first_answer_unix_ns"`
	LastAnswer  int64    `json:"last_answer_unix_ns"`
	RTTMaxNS    int64    `json:"rtt_max_ns"`
}

func (p pingSummary) String() string {
	return fmt.Sprintf("%d sent, %d answered, %d unanswered, %d connects, %d reconnects, %d disconnects, %d refused, max rtt %v, errors %q",
		p.Sent, p.Answered, p.Unanswered, p.Connects, p.Reconnects, p.Disconnects, p.Refused,
		time.Duration(p.RTTMaxNS).Round(time.Microsecond), p.Errors)
}

// parsePingOutput reads the summary from the output of `riffle ping -o
// json`: the last line that has "sent".
func parsePingOutput(out string) (pingSummary, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], `"sent"`) {
			var s pingSummary
			err := json.Unmarshal([]byte(lines[i]), &s)
			return s, err
		}
	}
	return pingSummary{}, fmt.Errorf("no summary in riffle ping output:\n%s", out)
}

// pinger is `riffle ping` running in the container in the background.
type pinger struct {
	cmd        *exec.Cmd
	lastAnswer atomic.Int64 // unix ns of the newest answered ping
	done       chan struct{}
	mu         sync.Mutex
	out        bytes.Buffer // stdout lines, guarded by mu
	stderr     bytes.Buffer
	err        error // of cmd.Wait, valid after done
}

// startPinger starts `riffle ping -o json args...` in the container's
// network; the process is riffle itself, so SIGINT reaches it.
func (s *session) startPinger(t *testing.T, args ...string) *pinger {
	t.Helper()
	full := append([]string{rifflePath, "ping", "-o", "json"}, args...)
	p := &pinger{cmd: s.c.nsenter(t.Context(), true, full...), done: make(chan struct{})}
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start riffle ping: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			var pong struct {
				UnixNS int64 `json:"unix_ns"`
			}
			if json.Unmarshal([]byte(line), &pong) == nil && pong.UnixNS > 0 {
				p.lastAnswer.Store(pong.UnixNS)
			}
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitAnswerAfter polls until the pinger has had a ping answered after at.
func (p *pinger) waitAnswerAfter(t *testing.T, at time.Time, what string) {
	t.Helper()
	testutil.Eventually(t, 20*time.Second, func() error {
		select {
		case <-p.done:
			return fmt.Errorf("riffle ping exited (%v) before a ping was answered %s:\n%s%s", p.err, what, p.output(), p.stderr.String())
		default:
		}
		if p.lastAnswer.Load() <= at.UnixNano() {
			return fmt.Errorf("no ping answered %s", what)
		}
		return nil
	})
}

func (p *pinger) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// stop interrupts the pinger, which finishes the ping in progress, and
// returns its summary and exit error.
func (p *pinger) stop(t *testing.T) (pingSummary, error) {
	t.Helper()
	select {
	case <-p.done:
		t.Fatalf("riffle ping ended early (%v):\n%s%s", p.err, p.output(), p.stderr.String())
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(testutil.Scale(30 * time.Second)):
		t.Fatal("riffle ping did not stop within 30s of SIGINT")
	}
	sum, err := parsePingOutput(p.output())
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, p.stderr.String())
	}
	return sum, p.err
}

// ctlJSON runs a riffle admin command with -o json and decodes its output.
func (s *session) ctlJSON(t *testing.T, out any, args ...string) {
	t.Helper()
	full := append([]string{rifflePath}, args...)
	text := s.c.must(t, append(full, "--ctl", ctlSock, "-o", "json")...)
	if err := json.Unmarshal([]byte(text), out); err != nil {
		t.Fatalf("riffle %s: %v\n%s", strings.Join(args, " "), err, text)
	}
}

// status is the part of `riffle server status -o json` the checks read.
type status struct {
	PID          int    `json:"pid"`
	Version      string `json:"version"`
	State        string `json:"state"`
	FrontPID     int    `json:"front_pid"`
	FrontVersion string `json:"front_version"`
	Shards       []struct {
		ID      int    `json:"id"`
		PID     int    `json:"pid"`
		CPU     int    `json:"cpu"`
		State   string `json:"state"`
		Version string `json:"version"`
	} `json:"shards"`
}

// checkTree fails unless the container runs exactly one supervisor with
// PID mainPID, one front and one shard per CPU, and returns the tree.
func (s *session) checkTree(t *testing.T, mainPID int) riffledTree {
	t.Helper()
	tree := s.c.riffled()
	sup := tree.supervisors()
	if len(sup) != 1 || sup[0].pid != mainPID {
		t.Fatalf("want one supervisor with MainPID %d, have %v", mainPID, tree)
	}
	// The unit sets no CPUAffinity=, so the service may use the CPUs of the
	// container's PID 1 and runs one shard on each (server.shards=auto).
	cpus, err := threadCPUs(s.c.pid1)
	if err != nil {
		t.Fatal(err)
	}
	want := cpuCount(cpus[strconv.Itoa(s.c.pid1)])
	if len(tree.fronts()) != 1 || len(tree.shards()) != want {
		t.Fatalf("want 1 front and %d shards (one per CPU), have %v", want, tree)
	}
	for id := range want {
		if _, ok := tree.shard(id); !ok {
			t.Fatalf("no shard %d in %v", id, tree)
		}
	}
	return tree
}

// gone polls until none of procs is alive; what names them in the
// failure message.
func gone(t *testing.T, timeout time.Duration, what string, procs riffledTree) time.Duration {
	t.Helper()
	start := time.Now()
	testutil.Eventually(t, timeout, func() error {
		var alive []string
		for _, p := range procs {
			if p.alive() {
				alive = append(alive, p.String())
			}
		}
		if len(alive) > 0 {
			return fmt.Errorf("%s still alive: %v", what, alive)
		}
		return nil
	})
	return time.Since(start)
}

// stopSignal freezes a process the way a hung supervisor would look.
func stopSignal(t *testing.T, p rproc) {
	t.Helper()
	if err := syscall.Kill(p.hostPID, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP %v: %v", p, err)
	}
}
