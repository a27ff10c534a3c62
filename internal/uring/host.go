// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// AssuredKernel is the oldest Linux release on which a Probe that reports
// ErrNotSupported is a fault unless the host locks io_uring down (see
// Host.LockedDown): from 6.1 (a long-term release) io_uring is built into
// every mainstream distribution kernel and rings no longer count against the
// locked-memory limit (that ended in 5.12), so on such a kernel only the
// io_uring_disabled sysctl or a seccomp filter can honestly refuse it.
const AssuredKernel = "6.1"

const (
	assuredMajor = 6
	assuredMinor = 1
)

// Host describes what decides whether io_uring may legitimately be refused
// to this process.
type Host struct {
	// Release is the kernel release (uname -r), such as "6.18.44-fc-v782".
	Release string
	// Disabled is /proc/sys/kernel/io_uring_disabled, trimmed: "0" allows
	// everyone, "1" only privileged processes and the io_uring group, "2"
	// no one. "" means the file is absent (before Linux 6.6 there is no such
	// switch), which allows everyone.
	Disabled string
	// Seccomp is the Seccomp field of /proc/self/status: "0" no filter, "1"
	// strict mode, "2" a filter. "" means the field is absent (a kernel built
	// without seccomp), which means no filter.
	Seccomp string
}

// ReadHost describes this process's host from uname(2),
// /proc/sys/kernel/io_uring_disabled and /proc/self/status.
func ReadHost() (Host, error) {
	var h Host
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return h, fmt.Errorf("read host: uname: %w", err)
	}
	h.Release = unix.ByteSliceToString(u.Release[:])
	switch v, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); {
	case err == nil:
		h.Disabled = strings.TrimSpace(string(v))
	case !errors.Is(err, fs.ErrNotExist):
		return h, fmt.Errorf("read host: %w", err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return h, fmt.Errorf("read host: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Seccomp:"); ok {
			h.Seccomp = strings.TrimSpace(v)
			break
		}
	}
	return h, nil
}

// String describes h in one line, for logs and test messages.
func (h Host) String() string {
	orAbsent := func(s string) string {
		if s == "" {
			return "absent"
		}
		return s
	}
	return fmt.Sprintf("kernel %s, kernel.io_uring_disabled %s, seccomp %s",
		h.Release, orAbsent(h.Disabled), orAbsent(h.Seccomp))
}

// LockedDown returns the conditions of h that can make io_uring unavailable
// to this process, joined by "; ": a kernel older than AssuredKernel (or one
// whose release cannot be parsed), io_uring_disabled other than 0, or a
// seccomp mode other than 0. It returns "" when there is none, that is when
// io_uring must work.
func (h Host) LockedDown() string {
	var why []string
	switch major, minor, err := parseRelease(h.Release); {
	case err != nil:
		why = append(why, err.Error())
	case major < assuredMajor || major == assuredMajor && minor < assuredMinor:
		why = append(why, fmt.Sprintf("kernel %s is older than %s", h.Release, AssuredKernel))
	}
	if h.Disabled != "" && h.Disabled != "0" {
		why = append(why, fmt.Sprintf("kernel.io_uring_disabled is %s", h.Disabled))
	}
	if h.Seccomp != "" && h.Seccomp != "0" {
		why = append(why, fmt.Sprintf("seccomp mode is %s", h.Seccomp))
	}
	return strings.Join(why, "; ")
}

// ExplainProbe judges probeErr, the result of Probe, on host h. It returns
// ("", nil) when probeErr is nil; the lock-down conditions and nil when
// probeErr wraps ErrNotSupported and h.LockedDown names a reason (an honest
// refusal: use the portable backend, or skip a test); and an error when the
// probe failed although h should support io_uring, or failed for another
// reason than ErrNotSupported. That error is a fault of the probe or of the
// machine, not a missing feature, and a test must fail on it.
func ExplainProbe(probeErr error, h Host) (lockdown string, fault error) {
	switch {
	case probeErr == nil:
		return "", nil
	case !errors.Is(probeErr, ErrNotSupported):
		return "", fmt.Errorf("probe io_uring could not run: %w", probeErr)
	}
	if why := h.LockedDown(); why != "" {
		return why, nil
	}
	return "", fmt.Errorf("io_uring reported unsupported on a host that does not lock it down (%s): %w", h, probeErr)
}

// parseRelease extracts major and minor from a kernel release such as
// "6.18.44-fc-v782", "5.15.0-91-generic" or "6.1-rc3".
func parseRelease(rel string) (major, minor int, err error) {
	majorStr, rest, ok := strings.Cut(rel, ".")
	if !ok {
		return 0, 0, fmt.Errorf("kernel release %q is not major.minor", rel)
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	if major, err = strconv.Atoi(majorStr); err != nil {
		return 0, 0, fmt.Errorf("parse kernel release %q: %w", rel, err)
	}
	if minor, err = strconv.Atoi(rest[:end]); err != nil {
		return 0, 0, fmt.Errorf("parse kernel release %q: %w", rel, err)
	}
	return major, minor, nil
}
