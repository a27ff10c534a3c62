// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"riffle/internal/testutil"
	"riffle/ipc"
)

// binDir holds the riffled and riffle binaries built for this test run.
var binDir string

func TestMain(m *testing.M) {
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "itest:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func buildAndRun(m *testing.M) (int, error) {
	// Race-enabled binaries otherwise sleep a second at exit, and a race in a
	// server process must crash it so the test sees it.
	os.Setenv("GORACE", "atexit_sleep_ms=0 halt_on_error=1")
	dir, err := os.MkdirTemp("", "riffle-itest-bin-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	binDir = dir
	for _, name := range []string{"riffled", "riffle"} {
		if err := build(name, name, raceEnabled); err != nil {
			return 0, err
		}
	}
	return m.Run(), nil
}

// build compiles riffle/cmd/<pkg> into binDir/<out>.
func build(pkg, out string, race bool) error {
	args := []string{"build", "-o", filepath.Join(binDir, out)}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "-ldflags=-checklinkname=0 -X riffle/internal/version.Version=itest", "riffle/cmd/"+pkg)
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", out, err)
	}
	return nil
}

var (
	noRaceOnce sync.Once
	noRaceErr  error
)

// noRaceBinary returns riffled built without the race detector, for tests
// that measure resident memory or threads, which the race runtime inflates.
func noRaceBinary(t testing.TB) string {
	t.Helper()
	if !raceEnabled {
		return "riffled"
	}
	noRaceOnce.Do(func() { noRaceErr = build("riffled", "riffled-norace", false) })
	if noRaceErr != nil {
		t.Fatal(noRaceErr)
	}
	return "riffled-norace"
}

// Server is one riffled supervisor started by a test.
type Server struct {
	t       testing.TB
	Dir     string // data dir
	RunDir  string // runtime dir (ctl.sock, ports.json)
	Addr    string // TCP address from ports.json
	Port    int
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	exitErr error
	keep    bool
}

// Options configure Start.
type Options struct {
	Shards int      // default 2
	Args   []string // extra riffled flags
	Env    []string // extra environment
	Dir    string   // reuse a data dir (restart); default a new temporary one
	Binary string   // riffled binary name in the build dir; default "riffled"
}

// Start runs riffled and waits until it is ready.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Shards == 0 {
		opts.Shards = 2
	}
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "riffle-itest-data-"); err != nil {
			t.Fatal(err)
		}
	}
	s := &Server{t: t, Dir: dir, RunDir: filepath.Join(dir, "run"), exited: make(chan struct{})}
	os.Remove(filepath.Join(s.RunDir, "ports.json"))
	s.logPath = filepath.Join(dir, fmt.Sprintf("riffled-%d.log", time.Now().UnixNano()))
	logf, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--data-dir", dir, "--shards", strconv.Itoa(opts.Shards), "--tcp-addr", "127.0.0.1:0"}, opts.Args...)
	binary := opts.Binary
	if binary == "" {
		binary = "riffled"
	}
	s.cmd = exec.Command(filepath.Join(binDir, binary), args...)
	s.cmd.Env = append(append(os.Environ(), "RIFFLE_ROOT_PASSWORD=iggy", "RIFFLE_LOG_FORMAT=json"), opts.Env...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logf.Close()
	go func() { s.exitErr = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.cleanup)

	testutil.Eventually(t, 30*time.Second, func() error {
		select {
		case <-s.exited:
			t.Fatalf("riffled exited during start: %v\n%s", s.exitErr, s.Log())
		default:
		}
		b, err := os.ReadFile(filepath.Join(s.RunDir, "ports.json"))
		if err != nil {
			return err
		}
		var ports map[string]string
		if err := json.Unmarshal(b, &ports); err != nil {
			return err
		}
		s.Addr = ports["tcp"]
		_, p, _ := net.SplitHostPort(s.Addr)
		s.Port, _ = strconv.Atoi(p)
		return nil
	})
	return s
}

// PID is the supervisor's pid.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Log returns everything the server processes wrote.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// LogLines returns the JSON log records of the server processes.
func (s *Server) LogLines() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s.Log()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Ctl sends one ctl.sock request.
func (s *Server) Ctl(typ string, req, out any) error {
	conn, err := ipc.Dial(filepath.Join(s.RunDir, "ctl.sock"))
	if err != nil {
		return err
	}
	p := ipc.NewPeer(conn, nil)
	go p.Run()
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Scale(time.Minute))
	defer cancel()
	r, err := p.Call(ctx, typ, req, nil)
	if err != nil {
		return err
	}
	return r.Decode(out)
}

// Shards returns the shard list from ctl.sock.
func (s *Server) Shards() []ipc.ShardInfo {
	s.t.Helper()
	var l ipc.ShardList
	if err := s.Ctl(ipc.TypeShardList, nil, &l); err != nil {
		s.t.Fatalf("shard list: %v", err)
	}
	return l.Shards
}

// Status returns the server status from ctl.sock.
func (s *Server) Status() ipc.Status {
	s.t.Helper()
	var st ipc.Status
	if err := s.Ctl(ipc.TypeStatus, nil, &st); err != nil {
		s.t.Fatalf("status: %v", err)
	}
	return st
}

// ShardPIDs returns the pid of every shard, by shard id.
func (s *Server) ShardPIDs() []int {
	var out []int
	for _, sh := range s.Shards() {
		out = append(out, sh.PID)
	}
	return out
}

// Signal sends sig to the supervisor.
func (s *Server) Signal(sig syscall.Signal) { s.cmd.Process.Signal(sig) }

// Wait waits for the supervisor to exit and returns its exit code (-1 when
// killed by a signal), failing the test after timeout.
func (s *Server) Wait(timeout time.Duration) int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(testutil.Scale(timeout)):
		s.t.Fatalf("riffled did not exit within %v\n%s", testutil.Scale(timeout), s.tail())
	}
	if s.exitErr == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(s.exitErr, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// Stop stops the server gracefully and checks it exited 0.
func (s *Server) Stop() {
	s.t.Helper()
	s.Signal(syscall.SIGTERM)
	if code := s.Wait(30 * time.Second); code != 0 {
		s.t.Fatalf("riffled exited %d after SIGTERM\n%s", code, s.tail())
	}
}

// Kill SIGKILLs the supervisor (its children die with it) and waits.
func (s *Server) Kill() {
	s.Signal(syscall.SIGKILL)
	s.Wait(30 * time.Second)
}

// Keep keeps the data dir after the test (for a restart on the same dir).
func (s *Server) Keep() { s.keep = true }

func (s *Server) tail() string {
	lines := strings.Split(strings.TrimRight(s.Log(), "\n"), "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return strings.Join(lines, "\n")
}

func (s *Server) cleanup() {
	select {
	case <-s.exited:
	default:
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(testutil.Scale(20 * time.Second)):
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if s.t.Failed() {
		s.t.Logf("riffled log (%s); data dir kept at %s:\n%s", s.logPath, s.Dir, s.tail())
		return
	}
	if !s.keep {
		os.RemoveAll(s.Dir)
	}
}

// CLI runs the riffle binary with args and returns stdout, stderr and the exit code.
func CLI(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "riffle"), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run riffle: %v", err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// CtlPath is the server's ctl.sock, for `riffle --ctl`.
func (s *Server) CtlPath() string { return filepath.Join(s.RunDir, "ctl.sock") }

// startExpectingFailure runs riffled, expects it to exit non-zero before it is
// ready, and returns its log.
func startExpectingFailure(t testing.TB, opts Options) string {
	t.Helper()
	dir := t.TempDir()
	if opts.Shards == 0 {
		opts.Shards = 2
	}
	args := append([]string{"--data-dir", dir, "--shards", strconv.Itoa(opts.Shards), "--tcp-addr", "127.0.0.1:0"}, opts.Args...)
	cmd := exec.Command(filepath.Join(binDir, "riffled"), args...)
	cmd.Env = append(append(os.Environ(), "RIFFLE_LOG_FORMAT=json"), opts.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("riffled exited 0; expected a failure\n%s", out.String())
		}
	case <-time.After(testutil.Scale(30 * time.Second)):
		cmd.Process.Kill()
		t.Fatalf("riffled kept running; expected a failure\n%s", out.String())
	}
	return out.String()
}
