// SPDX-License-Identifier: Apache-2.0

package systemd_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"riffle/internal/testutil"
)

// The root file system the containers boot, shared by every run on a
// machine. It is built once (mmdebstrap, 1–3 minutes, network-bound) into a
// temporary directory that is renamed into place only when complete, so a
// half-built tree is never booted. Containers mount it as the lower layer of
// an overlay (--volatile=overlay), so it stays pristine.
const (
	defaultRootfs = "/var/tmp/riffle-nspawn/base-bookworm"
	rootfsEnv     = "RIFFLE_NSPAWN_ROOTFS" // overrides defaultRootfs
	debianMirror  = "http://deb.debian.org/debian"
)

// bootArgs go to the container's systemd: units that only slow the boot
// down or wait for a console are masked on its command line, which systemd
// reads in place of the kernel's inside a container, so the cached tree
// needs no edits.
var bootArgs = []string{
	"systemd.firstboot=no",
	"systemd.mask=systemd-timesyncd.service",
	"systemd.mask=apt-daily.timer",
	"systemd.mask=apt-daily-upgrade.timer",
	"systemd.mask=e2scrub_all.timer",
	"systemd.mask=e2scrub_reap.service",
	"systemd.mask=fstrim.timer",
}

// containerEnv is the whole environment of commands run in the container,
// that of a root shell there, so nothing of the test's own leaks in.
var containerEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root", "USER=root", "LOGNAME=root",
	"SYSTEMD_PAGER=", "SYSTEMD_COLORS=0", "LANG=C.UTF-8",
}

// needContainerTools skips the test where a container cannot be booted:
// not root, -short, or no systemd-nspawn. It does not skip for a missing
// mmdebstrap when the root file system is already cached.
func needContainerTools(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("boots systemd in a container; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("systemd-nspawn needs root")
	}
	for _, tool := range []string{"systemd-nspawn", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install systemd-container util-linux; .ci/run does)", tool)
		}
	}
}

func rootfsPath() string {
	if p := os.Getenv(rootfsEnv); p != "" {
		return p
	}
	return defaultRootfs
}

func isRootfs(dir string) bool {
	for _, f := range []string{"lib/systemd/systemd", "usr/bin/systemctl", "usr/sbin/useradd"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return false
		}
	}
	return true
}

// ensureRootfs returns the cached root file system, building it first if
// there is none. Builders serialise on a lock file next to it; leftovers of
// an interrupted build are removed under the lock.
func ensureRootfs(t *testing.T) string {
	t.Helper()
	dir := rootfsPath()
	if isRootfs(dir) {
		return dir
	}
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		t.Skipf("no root file system at %s and mmdebstrap not installed (apt-get install mmdebstrap; .ci/run does)", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", lock.Name(), err)
	}
	defer unix.Flock(int(lock.Fd()), unix.LOCK_UN)
	if isRootfs(dir) { // built by someone else while we waited
		return dir
	}
	stale, _ := filepath.Glob(dir + ".tmp-*")
	if _, err := os.Stat(dir); err == nil {
		stale = append(stale, dir) // incomplete, and not ours to fix in place
	}
	for _, s := range stale {
		t.Logf("removing incomplete root file system %s", s)
		if err := os.RemoveAll(s); err != nil {
			t.Fatal(err)
		}
	}
	tmp := fmt.Sprintf("%s.tmp-%d", dir, os.Getpid())
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mmdebstrap", "--variant=minbase",
		"--include=systemd,systemd-sysv,dbus,procps,util-linux", "bookworm", tmp, debianMirror)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		t.Fatalf("mmdebstrap: %v\n%s", err, out)
	}
	// The host's name would otherwise be the container's.
	os.Remove(filepath.Join(tmp, "etc/hostname"))
	if !isRootfs(tmp) {
		os.RemoveAll(tmp)
		t.Fatalf("mmdebstrap produced no systemd in %s", tmp)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		t.Fatalf("move root file system into place: %v", err)
	}
	t.Logf("built root file system %s in %v", dir, time.Since(start).Round(time.Second))
	return dir
}

// container is a systemd booted by systemd-nspawn. The host has no systemd
// of its own, so nspawn runs with --register=no --keep-unit, in cgroups of
// its own that the test creates and removes; machinectl, systemctl -M and
// systemd-run -M cannot reach it, nsenter can.
type container struct {
	t       *testing.T
	name    string
	cgroups []string // nspawn-<name> in every cgroup hierarchy nspawn uses
	pid1    int      // host PID of the container's systemd
	nspawn  *os.Process
	exited  chan struct{} // closed when systemd-nspawn has exited
	mu      sync.Mutex
	console bytes.Buffer // nspawn's output, guarded by mu
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// cgroupRoots returns the hierarchies nspawn places itself in: the cgroup2
// and name=systemd ones on a hybrid host, the single cgroup2 root on a
// unified one.
func cgroupRoots() []string {
	var roots []string
	for _, d := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"} {
		if _, err := os.Stat(filepath.Join(d, "cgroup.procs")); err == nil {
			roots = append(roots, d)
		}
	}
	if len(roots) == 0 {
		roots = append(roots, "/sys/fs/cgroup")
	}
	return roots
}

// bootContainer boots rootfs with payload bound read-only at /mnt/payload
// and returns once systemd reports the system running. t.Cleanup powers it
// off and removes every trace.
func bootContainer(t *testing.T, rootfs, payload string) *container {
	t.Helper()
	sweepStale(t)
	var rnd [4]byte
	rand.Read(rnd[:])
	c := &container{t: t, name: fmt.Sprintf("riffle-%d-%s", os.Getpid(), hex.EncodeToString(rnd[:])), exited: make(chan struct{})}
	for _, root := range cgroupRoots() {
		dir := filepath.Join(root, "nspawn-"+c.name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatalf("create cgroup: %v", err)
		}
		c.cgroups = append(c.cgroups, dir)
	}
	t.Cleanup(c.destroy)

	// A launching shell moves itself into the new cgroups and execs nspawn,
	// so nspawn's payload and supervisor cgroups land there and not in the
	// host's root cgroup.
	script := `n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1/cgroup.procs" || exit 1; shift; n=$((n-1)); done; exec "$@"`
	args := []string{"-c", script, "sh", strconv.Itoa(len(c.cgroups))}
	args = append(args, c.cgroups...)
	args = append(args, "systemd-nspawn", "--quiet", "--register=no", "--keep-unit",
		"--private-network", "--volatile=overlay", "--console=passive",
		"-D", rootfs, "-M", c.name, "--bind-ro="+payload+":/mnt/payload", "-b", "--")
	args = append(args, bootArgs...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Stdout = lockedWriter{&c.mu, &c.console}
	cmd.Stderr = cmd.Stdout
	// SIGTERM makes nspawn power the container off. Pdeathsig follows the
	// thread that forked, so that thread stays locked to this goroutine
	// for nspawn's lifetime and is never reused.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			close(c.exited)
			return
		}
		started <- nil
		cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		t.Fatalf("start systemd-nspawn: %v", err)
	}
	c.nspawn = cmd.Process
	bootStart := time.Now()

	// The container's PID 1 is the child of nspawn that is PID 1 in its
	// own namespace.
	testutil.Eventually(t, 30*time.Second, func() error {
		select {
		case <-c.exited:
			return fmt.Errorf("systemd-nspawn exited: %s", c.consoleText())
		default:
		}
		kids, _ := testutil.Children(c.nspawn.Pid)
		for _, k := range kids {
			if ns := nsPID(k); len(ns) > 1 && ns[len(ns)-1] == 1 {
				c.pid1 = k
				return nil
			}
		}
		return errors.New("no container PID 1 yet")
	})
	// is-system-running --wait fails at once until PID 1's socket exists.
	testutil.Eventually(t, 60*time.Second, func() error {
		out, _ := c.run(30*time.Second, "systemctl", "is-system-running", "--wait")
		switch out {
		case "running":
			return nil
		case "degraded":
			failed, _ := c.run(10*time.Second, "systemctl", "--failed", "--no-legend")
			t.Logf("container booted degraded:\n%s", failed)
			return nil
		}
		return fmt.Errorf("system state %q", out)
	})
	t.Logf("container %s booted in %v (PID 1 = host PID %d)", c.name, time.Since(bootStart).Round(time.Millisecond), c.pid1)
	return c
}

func (c *container) consoleText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.console.String()
}

// nsPID returns the NSpid line of a process: its PID in each nested PID
// namespace, outermost first.
func nsPID(pid int) []int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			var out []int
			for _, f := range strings.Fields(rest) {
				n, _ := strconv.Atoi(f)
				out = append(out, n)
			}
			return out
		}
	}
	return nil
}

// nsenter returns the command that runs args inside the container. With
// hostPID set it enters every namespace but the PID namespace, so nsenter
// execs args itself and the returned process is the command, reachable by
// signals. (Entering the PID namespace without a fork leaves a process that
// cannot create threads, which kills a Go program.)
func (c *container) nsenter(ctx context.Context, hostPID bool, args ...string) *exec.Cmd {
	full := []string{"-t", strconv.Itoa(c.pid1), "-a", "-r", "-w"}
	if hostPID {
		full = []string{"-t", strconv.Itoa(c.pid1), "-m", "-u", "-i", "-n", "-C", "-r", "-w"}
	}
	cmd := exec.CommandContext(ctx, "nsenter", append(full, args...)...)
	cmd.Env = containerEnv
	return cmd
}

// run runs args in the container and returns its trimmed combined output.
func (c *container) run(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Scale(timeout))
	defer cancel()
	out, err := c.nsenter(ctx, false, args...).CombinedOutput()
	s := strings.TrimSpace(string(out))
	if err != nil {
		return s, fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return s, nil
}

// must runs args in the container and fails the test if they fail.
func (c *container) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.run(time.Minute, args...)
	if err != nil {
		t.Fatalf("in the container: %v\n%s", err, out)
	}
	return out
}

// path returns the host path of p inside the container's file system.
func (c *container) path(p string) string {
	return filepath.Join(fmt.Sprintf("/proc/%d/root", c.pid1), p)
}

// destroy powers the container off (SIGTERM to nspawn), SIGKILLs by PID
// whatever is left in its cgroups if that does not finish in time (a
// container whose shutdown hangs outlives a killed nspawn), and removes the
// cgroups.
func (c *container) destroy() {
	t := c.t
	if c.nspawn != nil {
		c.nspawn.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(testutil.Scale(20 * time.Second)):
			t.Logf("container %s did not power off in time; killing it", c.name)
			c.nspawn.Kill()
			<-c.exited
		}
	}
	deadline := time.Now().Add(testutil.Scale(20 * time.Second))
	for {
		pids := c.cgroupPIDs()
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("container %s: processes %v survive SIGKILL", c.name, pids)
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, root := range c.cgroups {
		var dirs []string
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		slices.Reverse(dirs) // children first
		for _, d := range dirs {
			if err := os.Remove(d); err != nil {
				t.Errorf("remove cgroup: %v", err)
			}
		}
	}
	// nspawn removes this itself on a clean exit.
	os.Remove("/run/systemd/nspawn/propagate/" + c.name)
	if t.Failed() {
		lines := strings.Split(strings.TrimSpace(c.consoleText()), "\n")
		t.Logf("container console (last 60 lines):\n%s", strings.Join(lines[max(0, len(lines)-60):], "\n"))
	}
}

// sweepStale removes what a killed earlier run left: the cgroups named
// after a test process that no longer exists, and any container still in
// them (SIGKILL to a container's PID 1 ends its whole PID namespace).
func sweepStale(t *testing.T) {
	for _, root := range cgroupRoots() {
		dirs, _ := filepath.Glob(filepath.Join(root, "nspawn-riffle-*"))
		for _, dir := range dirs {
			owner, err := strconv.Atoi(strings.Split(strings.TrimPrefix(filepath.Base(dir), "nspawn-riffle-"), "-")[0])
			if err != nil || owner == os.Getpid() || syscall.Kill(owner, 0) == nil {
				continue
			}
			stale := &container{t: t, name: strings.TrimPrefix(filepath.Base(dir), "nspawn-"), cgroups: []string{dir}}
			t.Logf("removing %s, left by a run that no longer exists", dir)
			stale.destroy()
		}
	}
}

// cgroupPIDs lists every process in the container's cgroup trees.
func (c *container) cgroupPIDs() []int {
	seen := map[int]bool{}
	for _, root := range c.cgroups {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					seen[pid] = true
				}
			}
			return nil
		})
	}
	var pids []int
	for pid := range seen {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}
