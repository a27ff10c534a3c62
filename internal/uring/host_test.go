// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"riffle/internal/uring"
)

func TestParseRelease(t *testing.T) {
	cases := []struct {
		rel          string
		major, minor int
		bad          bool
	}{
		{rel: "6.18.44-fc-v782", major: 6, minor: 18},
		{rel: "5.15.0-91-generic", major: 5, minor: 15},
		{rel: "6.1-rc3", major: 6, minor: 1},
		{rel: "5.6", major: 5, minor: 6},
		{rel: "6", bad: true},
		{rel: "x.y", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.rel, func(t *testing.T) {
			major, minor, err := uring.ParseRelease(tc.rel)
			if (err != nil) != tc.bad {
				t.Fatalf("ParseRelease(%q) error = %v; want error: %v", tc.rel, err, tc.bad)
			}
			if !tc.bad && (major != tc.major || minor != tc.minor) {
				t.Errorf("ParseRelease(%q) = %d.%d; want %d.%d", tc.rel, major, minor, tc.major, tc.minor)
			}
		})
	}
}

// TestExplainProbeFailsOnlyOnUnlockedHosts is the decision behind every
// io_uring test's skip: an ErrNotSupported probe is a fault (the test fails)
// on a kernel of at least 6.1 with io_uring_disabled 0 or absent and no
// seccomp filter, and an honest refusal (the test skips, naming why)
// anywhere else.
func TestExplainProbeFailsOnlyOnUnlockedHosts(t *testing.T) {
	unsupported := fmt.Errorf("probe io_uring: setup: %w: %w", uring.ErrNotSupported, syscall.EPERM)
	cases := []struct {
		name     string
		probeErr error
		host     uring.Host
		fault    bool   // the test must fail
		lockdown string // a substring of the skip reason, when it skips
	}{
		{name: "probe ok", host: uring.Host{Release: "6.18.44-fc-v782", Disabled: "0", Seccomp: "0"}},
		{name: "probe ok on an old kernel", host: uring.Host{Release: "5.15.0", Disabled: "", Seccomp: "2"}},
		{name: "unsupported on 6.18 unlocked fails", probeErr: unsupported, fault: true,
			host: uring.Host{Release: "6.18.44-fc-v782", Disabled: "0", Seccomp: "0"}},
		{name: "unsupported on 6.1 unlocked fails", probeErr: unsupported, fault: true,
			host: uring.Host{Release: "6.1", Disabled: "0", Seccomp: "0"}},
		{name: "unsupported without the sysctl and the seccomp field fails", probeErr: unsupported, fault: true,
			host: uring.Host{Release: "6.1.0-13-amd64"}},
		{name: "unsupported on 5.15 skips", probeErr: unsupported, lockdown: "kernel 5.15.0 is older than 6.1",
			host: uring.Host{Release: "5.15.0", Disabled: "0", Seccomp: "0"}},
		{name: "unsupported on 6.0 skips", probeErr: unsupported, lockdown: "older than 6.1",
			host: uring.Host{Release: "6.0.19", Seccomp: "0"}},
		{name: "unsupported with io_uring_disabled 1 skips", probeErr: unsupported,
			lockdown: "kernel.io_uring_disabled is 1",
			host:     uring.Host{Release: "6.18.44-fc-v782", Disabled: "1", Seccomp: "0"}},
		{name: "unsupported with io_uring_disabled 2 skips", probeErr: unsupported,
			lockdown: "kernel.io_uring_disabled is 2",
			host:     uring.Host{Release: "6.18.44-fc-v782", Disabled: "2", Seccomp: "0"}},
		{name: "unsupported under a seccomp filter skips", probeErr: unsupported, lockdown: "seccomp mode is 2",
			host: uring.Host{Release: "6.18.44-fc-v782", Disabled: "0", Seccomp: "2"}},
		{name: "unsupported on an unparsable release skips", probeErr: unsupported, lockdown: "not major.minor",
			host: uring.Host{Release: "6", Disabled: "0", Seccomp: "0"}},
		{name: "every condition is named", probeErr: unsupported,
			lockdown: "kernel 5.15.0 is older than 6.1; kernel.io_uring_disabled is 2; seccomp mode is 2",
			host:     uring.Host{Release: "5.15.0", Disabled: "2", Seccomp: "2"}},
		{name: "a probe that could not run fails even when locked down", fault: true,
			probeErr: fmt.Errorf("probe io_uring: eventfd: %w", syscall.EMFILE),
			host:     uring.Host{Release: "5.15.0", Disabled: "2", Seccomp: "2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lockdown, fault := uring.ExplainProbe(tc.probeErr, tc.host)
			if (fault != nil) != tc.fault {
				t.Fatalf("ExplainProbe(%v, %s) fault = %v; want a fault: %v", tc.probeErr, tc.host, fault, tc.fault)
			}
			if fault != nil && !errors.Is(fault, tc.probeErr) {
				t.Errorf("fault %v does not wrap the probe error", fault)
			}
			if tc.fault || tc.probeErr == nil {
				if lockdown != "" {
					t.Errorf("lockdown = %q; want none", lockdown)
				}
				return
			}
			if !strings.Contains(lockdown, tc.lockdown) {
				t.Errorf("lockdown = %q; want it to contain %q", lockdown, tc.lockdown)
			}
		})
	}
}

func TestReadHostDescribesThisProcess(t *testing.T) {
	h, err := uring.ReadHost()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := uring.ParseRelease(h.Release); err != nil {
		t.Errorf("release: %v", err)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); err == nil && h.Disabled != strings.TrimSpace(string(b)) {
		t.Errorf("Disabled = %q; the sysctl reads %q", h.Disabled, b)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Seccomp:"); ok && h.Seccomp != strings.TrimSpace(v) {
			t.Errorf("Seccomp = %q; /proc/self/status says %q", h.Seccomp, line)
		}
	}
	t.Logf("host: %s; lockdown: %q", h, h.LockedDown())
}

// TestProbeSucceedsUnlessHostIsLockedDown is the honest probe test: Probe
// must succeed, except on a host that ExplainProbe says locks io_uring down,
// where the test skips and names the condition.
func TestProbeSucceedsUnlessHostIsLockedDown(t *testing.T) {
	requireUring(t)
}
