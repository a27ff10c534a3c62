// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"riffle/internal/testutil"
)

// notifySink is a unixgram socket standing in for systemd's NOTIFY_SOCKET.
type notifySink struct {
	conn *net.UnixConn
	mu   sync.Mutex
	msgs []string
}

func newNotifySink(t *testing.T) (*notifySink, string) {
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	n := &notifySink{conn: c}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, string(buf[:k]))
			n.mu.Unlock()
		}
	}()
	return n, path
}

func (n *notifySink) count(substr string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := 0
	for _, m := range n.msgs {
		if strings.Contains(m, substr) {
			k++
		}
	}
	return k
}

func (n *notifySink) waitFor(t *testing.T, substr string) {
	t.Helper()
	testutil.Eventually(t, 20*time.Second, func() error {
		if n.count(substr) == 0 {
			n.mu.Lock()
			defer n.mu.Unlock()
			return fmt.Errorf("no %q among %q", substr, n.msgs)
		}
		return nil
	})
}

// The supervisor tells systemd READY with a STATUS line, keeps feeding the
// watchdog while every child is healthy, reports a crash-looped shard in
// STATUS without starving the watchdog, stops feeding it when a live shard
// hangs, and sends STOPPING on SIGTERM. Children never see NOTIFY_SOCKET.
func TestSupervisorTalksToSystemd(t *testing.T) {
	sink, path := newNotifySink(t)
	s := Start(t, Options{Shards: 2, Env: []string{
		"NOTIFY_SOCKET=" + path, "WATCHDOG_USEC=400000",
		"RIFFLE_SUPERVISOR_CRASH_LOOP_COUNT=1",
	}})
	sink.waitFor(t, "READY=1")
	sink.waitFor(t, "STATUS=serving, 2/2 shards")
	sink.waitFor(t, "WATCHDOG=1")

	for _, sh := range s.Shards() {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", sh.PID))
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if strings.HasPrefix(kv, "NOTIFY_SOCKET=") || strings.HasPrefix(kv, "WATCHDOG_") {
				t.Fatalf("shard %d inherited %s", sh.ID, kv)
			}
		}
	}

	// Shard 1 crash-loops (one crash is the limit here): reported, watchdog still fed.
	syscall.Kill(s.Shards()[1].PID, syscall.SIGKILL)
	sink.waitFor(t, "shard 1 failed (crash loop)")
	before := sink.count("WATCHDOG=1")
	testutil.Eventually(t, 5*time.Second, func() error {
		if sink.count("WATCHDOG=1") < before+3 {
			return fmt.Errorf("watchdog not fed after a crash loop")
		}
		return nil
	})

	// Shard 0 hangs: its heartbeats stop, and so does the watchdog.
	shard0 := s.Shards()[0].PID
	syscall.Kill(shard0, syscall.SIGSTOP)
	defer syscall.Kill(shard0, syscall.SIGCONT)
	time.Sleep(testutil.Scale(heartbeatTimeoutForTest + time.Second))
	stalled := sink.count("WATCHDOG=1")
	time.Sleep(time.Second)
	if got := sink.count("WATCHDOG=1"); got != stalled {
		t.Fatalf("watchdog still fed (%d -> %d) while shard 0 is stopped", stalled, got)
	}
	syscall.Kill(shard0, syscall.SIGCONT)
	testutil.Eventually(t, 10*time.Second, func() error {
		if sink.count("WATCHDOG=1") == stalled {
			return fmt.Errorf("watchdog not resumed after SIGCONT")
		}
		return nil
	})

	s.Stop()
	sink.waitFor(t, "STOPPING=1")
}

// heartbeatTimeoutForTest mirrors the supervisor's heartbeat timeout.
const heartbeatTimeoutForTest = 5 * time.Second
