// SPDX-License-Identifier: Apache-2.0

package sdnotify_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"riffle/internal/sdnotify"
)

// listenNotify stands in for systemd: it listens on a unixgram socket and
// points NOTIFY_SOCKET at it for the rest of the test.
func listenNotify(t *testing.T, abstract bool) *net.UnixConn {
	t.Helper()
	var name string
	if abstract {
		name = fmt.Sprintf("@riffle-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	} else {
		// t.TempDir paths can exceed the 108-byte limit of sun_path.
		dir, err := os.MkdirTemp("", "sdn")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		name = filepath.Join(dir, "notify.sock")
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return conn
}

func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("read notification: %v", err)
	}
	return string(buf[:n])
}

func TestMessagesReachNotifySocket(t *testing.T) {
	tests := []struct {
		name string
		send func() error
		want string // a regular expression matching the whole datagram
	}{
		{"ready with status", func() error { return sdnotify.Ready("serving, 2/2 shards") },
			"READY=1\nSTATUS=serving, 2/2 shards"},
		{"ready without status", func() error { return sdnotify.Ready("") }, "READY=1"},
		{"status", func() error { return sdnotify.Status("serving, 1/2 shards; shard 1 failed") },
			"STATUS=serving, 1/2 shards; shard 1 failed"},
		{"status newline cannot inject a variable", func() error { return sdnotify.Status("a\nREADY=1") },
			"STATUS=a READY=1"},
		{"stopping", sdnotify.Stopping, "STOPPING=1"},
		{"reloading", sdnotify.Reloading, "RELOADING=1\nMONOTONIC_USEC=[0-9]+"},
		{"watchdog", sdnotify.Watchdog, "WATCHDOG=1"},
	}
	for _, abstract := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/abstract=%v", tt.name, abstract), func(t *testing.T) {
				conn := listenNotify(t, abstract)
				if !sdnotify.Enabled() {
					t.Fatal("Enabled() = false with NOTIFY_SOCKET set")
				}
				if err := tt.send(); err != nil {
					t.Fatalf("send: %v", err)
				}
				got := receive(t, conn)
				if !regexp.MustCompile(`\A` + tt.want + `\z`).MatchString(got) {
					t.Fatalf("datagram = %q, want %q", got, tt.want)
				}
			})
		}
	}
}

func TestEveryCallIsNoOpOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	os.Unsetenv("NOTIFY_SOCKET")
	if sdnotify.Enabled() {
		t.Fatal("Enabled() = true without NOTIFY_SOCKET")
	}
	calls := map[string]func() error{
		"Ready":     func() error { return sdnotify.Ready("serving") },
		"Status":    func() error { return sdnotify.Status("x") },
		"Stopping":  sdnotify.Stopping,
		"Reloading": sdnotify.Reloading,
		"Watchdog":  sdnotify.Watchdog,
	}
	for name, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s outside systemd = %v, want nil", name, err)
		}
	}
}

func TestUnreachableSocketIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.sock")
	t.Setenv("NOTIFY_SOCKET", path)
	err := sdnotify.Ready("serving")
	if err == nil || !strings.HasPrefix(err.Error(), "notify systemd READY: ") {
		t.Fatalf("Ready with an absent socket = %v, want an error naming READY", err)
	}
}

func TestWatchdogIntervalFollowsEnvironment(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	tests := []struct {
		name      string
		usec, pid string // "" unsets
		want      time.Duration
		wantOK    bool
	}{
		{"off", "", "", 0, false},
		{"for this process", "10000000", self, 10 * time.Second, true},
		{"no pid given", "2000000", "", 2 * time.Second, true},
		{"for another process", "10000000", strconv.Itoa(os.Getpid() + 1), 0, false},
		{"garbage", "ten", self, 0, false},
		{"zero", "0", self, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setOrUnset(t, "WATCHDOG_USEC", tt.usec)
			setOrUnset(t, "WATCHDOG_PID", tt.pid)
			got, ok := sdnotify.WatchdogInterval()
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("WatchdogInterval() = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
			if os.Getenv("WATCHDOG_USEC") != tt.usec {
				t.Fatal("WatchdogInterval changed WATCHDOG_USEC")
			}
		})
	}
}

func setOrUnset(t *testing.T, name, value string) {
	t.Helper()
	t.Setenv(name, value)
	if value == "" {
		os.Unsetenv(name)
	}
}

func TestChildEnvStripsSystemdVariables(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    []string
	}{
		{"nothing to strip", []string{"PATH=/bin", "HOME=/root"}, []string{"PATH=/bin", "HOME=/root"}},
		{"all six", []string{
			"PATH=/bin", "NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_USEC=10000000", "WATCHDOG_PID=1",
			"LISTEN_FDS=1", "LISTEN_PID=1", "LISTEN_FDNAMES=tcp", "GOTRACEBACK=all",
		}, []string{"PATH=/bin", "GOTRACEBACK=all"}},
		{"similar names kept", []string{"NOTIFY_SOCKETS=x", "LISTEN_FDS_EXTRA=1", "XLISTEN_PID=2"},
			[]string{"NOTIFY_SOCKETS=x", "LISTEN_FDS_EXTRA=1", "XLISTEN_PID=2"}},
		{"runtime directory kept", []string{"RUNTIME_DIRECTORY=/run/riffle", "INVOCATION_ID=abc"},
			[]string{"RUNTIME_DIRECTORY=/run/riffle", "INVOCATION_ID=abc"}},
		{"empty", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]string(nil), tt.environ...)
			got := sdnotify.ChildEnv(in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ChildEnv(%q) = %q, want %q", tt.environ, got, tt.want)
			}
			if !reflect.DeepEqual(in, tt.environ) && tt.environ != nil {
				t.Fatalf("ChildEnv modified its input: %q", in)
			}
		})
	}
}
