// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"riffle/internal/testutil"
	"riffle/ipc"
)

// A shard killed by a signal is restarted on its CPU after a backoff; once it
// crashes crash_loop_count times within the window it is given up on and
// reported failed, while the other shard keeps serving.
func TestCrashedShardRestartsUntilCrashLoop(t *testing.T) {
	s := Start(t, Options{Shards: 2, Env: []string{
		"RIFFLE_SUPERVISOR_CRASH_LOOP_COUNT=3", "RIFFLE_SUPERVISOR_CRASH_LOOP_WINDOW=1m", "RIFFLE_SUPERVISOR_RESTART_BACKOFF=50ms",
	}})
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
		t.Fatal("no connection on shard 0")
	}
	for crash := 1; crash <= 3; crash++ {
		victim := s.Shards()[1]
		if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		want := ipc.StateReady
		if crash == 3 {
			want = ipc.StateFailed
		}
		testutil.Eventually(t, 20*time.Second, func() error {
			sh := s.Shards()[1]
			if sh.State != want || (want == ipc.StateReady && sh.PID == victim.PID) {
				return fmt.Errorf("after crash %d shard 1 is %s pid %d", crash, sh.State, sh.PID)
			}
			return nil
		})
		if err := on0.ping(); err != nil {
			t.Fatalf("shard 0 client after crash %d: %v", crash, err)
		}
	}
	out, _, code := CLI(t, "--ctl", s.CtlPath(), "shard", "list")
	if code != 0 || !strings.Contains(out, "failed") {
		t.Fatalf("shard list (exit %d):\n%s", code, out)
	}
	// New connections all go to the shard still serving.
	for i := 0; i < 5; i++ {
		c := dialRaw(t, s.Addr)
		if err := c.ping(); err != nil {
			t.Fatalf("new connection %d: %v", i, err)
		}
		if id := s.ownerShard(t, c); id != 0 {
			t.Fatalf("new connection landed on shard %d", id)
		}
	}
	st := s.Status()
	if len(st.Problems) == 0 {
		t.Fatalf("status reports no problem with a failed shard: %+v", st)
	}
	t.Logf("after 3 crashes shard 1 is failed; shard 0 kept answering; status problems %q", st.Problems)
	s.Stop()
}

// A shard whose measured CPU mask is not the one asked is refused, and the
// server does not start.
func TestUnpinnedShardIsRefused(t *testing.T) {
	needCPUs(t, 2)
	log := startExpectingFailure(t, Options{Shards: 2, Env: []string{"RIFFLE_DEBUG_UNPIN_SHARD=1"}})
	if !strings.Contains(log, "not pinned as asked") {
		t.Fatalf("log does not explain the refusal:\n%s", log)
	}
}
