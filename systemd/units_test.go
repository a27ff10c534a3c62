// SPDX-License-Identifier: Apache-2.0

// Package systemd_test checks the shipped unit files: a strict offline
// `systemd-analyze verify`, planted typos that it must catch, and the
// properties the supervisor relies on (Type=notify, KillMode=mixed, a stop
// timeout above the shutdown deadline, a syscall filter that keeps io_uring
// and CPU pinning). It also checks `make install`, and boots systemd in
// systemd-nspawn with the real binaries and units to drive start, reload,
// shard restart, stop, socket activation, a killed and a hung supervisor
// (boot_test.go; root only). The directory holds no other Go code.
package systemd_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"riffle/internal/config"
)

var units = []string{"riffled.service", "riffled.socket"}

// verifyArgs: plain verify exits 0 on unknown keys and unparsable values and
// only prints them; --recursive-errors=yes makes every such warning fatal,
// and --man=no keeps it from running man(1) for Documentation=.
var verifyArgs = []string{"verify", "--man=no", "--recursive-errors=yes"}

func needAnalyze(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd)")
	}
	return path
}

func readUnit(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stageUnits writes the units into a fresh directory with every Exec*= path
// ending in /riffled or /riffle pointed at a stub executable there (verify
// insists the binaries exist), after applying edit to each unit's text.
// It returns the directory.
func stageUnits(t *testing.T, edit func(name, text string) string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, exe := range []string{"riffled", "riffle"} {
		if err := os.WriteFile(filepath.Join(bin, exe), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range units {
		text := rewriteExec(readUnit(t, name), bin)
		if edit != nil {
			text = edit(name, text)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rewriteExec points the command of every Exec*= line at bin when it names
// the riffled or riffle binary.
func rewriteExec(text, bin string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		key, val, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(key, "Exec") {
			continue
		}
		prefix := val[:len(val)-len(strings.TrimLeft(val, "-@:+!"))]
		cmd, args, _ := strings.Cut(val[len(prefix):], " ")
		if base := filepath.Base(cmd); base == "riffled" || base == "riffle" {
			lines[i] = key + "=" + prefix + filepath.Join(bin, base) + " " + args
		}
	}
	return strings.Join(lines, "\n")
}

func runVerify(t *testing.T, analyze, dir string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := slices.Clone(verifyArgs)
	for _, name := range units {
		args = append(args, filepath.Join(dir, name))
	}
	cmd := exec.CommandContext(ctx, analyze, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestUnitsPassStrictVerify(t *testing.T) {
	analyze := needAnalyze(t)
	dir := stageUnits(t, nil)
	out, err := runVerify(t, analyze, dir)
	if err != nil || out != "" {
		t.Fatalf("systemd-analyze %s: %v\n%s", strings.Join(verifyArgs, " "), err, out)
	}
}

func TestVerifyCatchesPlantedMistakes(t *testing.T) {
	analyze := needAnalyze(t)
	tests := []struct {
		name, unit, old, new string
		want                 string // in verify's output
	}{
		{"misspelt key", "riffled.service", "\nWatchdogSec=", "\nWatchdogSecs=", "Unknown key 'WatchdogSecs'"},
		{"misspelt service type", "riffled.service", "\nType=notify\n", "\nType=notfy\n", "notfy"},
		{"misspelt kill mode", "riffled.service", "\nKillMode=mixed\n", "\nKillMode=mixd\n", "mixd"},
		{"unparsable limit", "riffled.service", "\nLimitNOFILE=1048576\n", "\nLimitNOFILE=lots\n", "lots"},
		{"misspelt section", "riffled.service", "\n[Service]\n", "\n[Servce]\n", "Servce"},
		{"unknown syscall group", "riffled.service", "=@system-service\n", "=@system-servce\n", "system-servce"},
		{"misspelt socket key", "riffled.socket", "\nFileDescriptorName=", "\nFileDescriptorNames=", "Unknown key 'FileDescriptorNames'"},
		{"missing binary", "riffled.service", "\nExecReload=", "\nExecReload=/nonexistent/riffle server reload\n#", "/nonexistent/riffle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := stageUnits(t, func(name, text string) string {
				if name != tt.unit {
					return text
				}
				if !strings.Contains(text, tt.old) {
					t.Fatalf("%s has no %q to break", name, tt.old)
				}
				return strings.Replace(text, tt.old, tt.new, 1)
			})
			out, err := runVerify(t, analyze, dir)
			if err == nil {
				t.Fatalf("verify passed a unit with %q replaced by %q; output:\n%s", tt.old, tt.new, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Fatalf("verify output does not mention %q:\n%s", tt.want, out)
			}
		})
	}
}

// unitFile is a parsed unit: section -> key -> values in order.
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, name string) unitFile {
	t.Helper()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(readUnit(t, name)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			key, val, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: cannot parse %q", name, line)
			}
			u[section][key] = append(u[section][key], val)
		}
	}
	return u
}

// one returns the single value of section.key.
func (u unitFile) one(t *testing.T, section, key string) string {
	t.Helper()
	vals := u[section][key]
	if len(vals) != 1 {
		t.Fatalf("[%s] %s= is set %d times, want once", section, key, len(vals))
	}
	return vals[0]
}

func TestServiceHasWhatTheSupervisorReliesOn(t *testing.T) {
	u := parseUnit(t, "riffled.service")
	want := map[string]string{
		"Type":             "notify",
		"NotifyAccess":     "main",
		"KillMode":         "mixed",
		"Restart":          "on-failure",
		"WatchdogSec":      "10s",
		"LimitMEMLOCK":     "infinity",
		"LimitNOFILE":      "1048576",
		"StateDirectory":   "riffle",
		"RuntimeDirectory": "riffle",
		"User":             "riffle",
		"Group":            "riffle",
		"ExecStart":        "/usr/local/bin/riffled --config /etc/riffle/riffled.toml --data-dir /var/lib/riffle",
		"ExecReload":       "/usr/local/bin/riffle server reload",
		"Environment":      "GOTRACEBACK=all",
	}
	for key, val := range want {
		if got := u.one(t, "Service", key); got != val {
			t.Errorf("[Service] %s=%s, want %s", key, got, val)
		}
	}
	for _, key := range []string{"CPUAffinity", "Sockets"} {
		if vals := u["Service"][key]; len(vals) > 0 {
			t.Errorf("[Service] %s=%v is set; the supervisor pins CPUs and the socket is optional", key, vals)
		}
	}
	for _, key := range []string{"Requires", "BindsTo", "Requisite"} {
		for _, v := range u["Unit"][key] {
			if strings.Contains(v, "riffled.socket") {
				t.Errorf("[Unit] %s=%s makes the optional socket mandatory", key, v)
			}
		}
	}
	if u["Unit"]["StartLimitBurst"] == nil || u["Unit"]["StartLimitIntervalSec"] == nil {
		t.Error("[Unit] needs StartLimitIntervalSec= and StartLimitBurst= to end a crash loop")
	}

	stop := systemdDuration(t, u.one(t, "Service", "TimeoutStopSec"))
	deadline := time.Duration(config.Defaults().Shutdown.Deadline)
	if margin := 5 * time.Second; stop < deadline+margin {
		t.Errorf("TimeoutStopSec=%v leaves less than %v after the %v shutdown deadline", stop, margin, deadline)
	}
	if wd := systemdDuration(t, u.one(t, "Service", "WatchdogSec")); wd < 2*time.Second {
		t.Errorf("WatchdogSec=%v is too short to ping at half of it", wd)
	}
}

// systemdDuration reads the forms the units use: "30s", "5min", "10".
func systemdDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	if strings.Trim(s, "0123456789") == "" {
		s += "s"
	}
	d, err := time.ParseDuration(strings.ReplaceAll(s, "min", "m"))
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return d
}

func TestSocketMatchesDefaultListener(t *testing.T) {
	u := parseUnit(t, "riffled.socket")
	if got, want := u.one(t, "Socket", "ListenStream"), config.Defaults().TCP.Address; got != want {
		t.Errorf("ListenStream=%s, want tcp.address default %s", got, want)
	}
	if got := u.one(t, "Socket", "FileDescriptorName"); got != "tcp" {
		t.Errorf("FileDescriptorName=%s, want tcp (the name the supervisor looks up)", got)
	}
	if u["Socket"]["Service"] != nil {
		t.Error("Service= is set; the socket reaches riffled.service by its name")
	}
}

// TestSyscallFilterKeepsIOUringAndPinning expands the unit's
// SystemCallFilter= lines with the groups of the installed systemd and checks
// that what riffle needs beyond the usual service set stays allowed.
func TestSyscallFilterKeepsIOUringAndPinning(t *testing.T) {
	analyze := needAnalyze(t)
	u := parseUnit(t, "riffled.service")
	lines := u["Service"]["SystemCallFilter"]
	if len(lines) == 0 {
		t.Skip("no SystemCallFilter=: every syscall is allowed")
	}
	out, err := exec.Command(analyze, "syscall-filter").Output()
	if err != nil {
		t.Fatalf("systemd-analyze syscall-filter: %v", err)
	}
	groups := parseSyscallGroups(out)
	if len(groups["@system-service"]) == 0 {
		t.Fatalf("no @system-service group in systemd-analyze syscall-filter output")
	}
	allowed, denied := map[string]bool{}, map[string]bool{}
	for _, line := range lines {
		set := allowed
		if strings.HasPrefix(line, "~") {
			set, line = denied, line[1:]
		}
		for _, item := range strings.Fields(line) {
			expandSyscalls(groups, item, set)
		}
	}
	needed := []string{
		// io_uring (internal/uring) and its ring mappings
		"io_uring_setup", "io_uring_enter", "io_uring_register", "mmap", "munmap",
		// CPU pinning at fork, GOMAXPROCS from the affinity mask
		"sched_setaffinity", "sched_getaffinity",
		// starting, signalling and reaping children (Pdeathsig, pidfd)
		"clone", "clone3", "execve", "prctl", "pidfd_open", "pidfd_send_signal", "waitid", "wait4",
		// fd passing and the listeners
		"socketpair", "sendmsg", "recvmsg", "accept4", "sendmmsg", "recvmmsg",
		// storage fallback backend
		"pwrite64", "fdatasync", "fsync", "fallocate",
		// Go runtime
		"futex", "epoll_pwait", "epoll_ctl", "madvise", "tgkill", "rt_sigaction", "sigaltstack",
	}
	for _, sc := range needed {
		if len(allowed) > 0 && !allowed[sc] || denied[sc] {
			t.Errorf("SystemCallFilter=%q does not allow %s", lines, sc)
		}
	}
}

// parseSyscallGroups reads `systemd-analyze syscall-filter`: a group name at
// the start of a line, then its members (syscalls or @groups) indented, with
// "#" comments.
func parseSyscallGroups(out []byte) map[string][]string {
	groups := map[string][]string{}
	group := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#':
		case line[0] == '@':
			group = trimmed
		case group != "":
			groups[group] = append(groups[group], trimmed)
		}
	}
	return groups
}

func expandSyscalls(groups map[string][]string, item string, into map[string]bool) {
	if !strings.HasPrefix(item, "@") {
		into[item] = true
		return
	}
	for _, member := range groups[item] {
		if !into[member] {
			into[member] = true
			expandSyscalls(groups, member, into)
		}
	}
}
