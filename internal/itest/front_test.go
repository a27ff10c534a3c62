// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"riffle/internal/testutil"
)

// A front killed by a signal takes no client with it: the shards own the
// handed-off connections. The supervisor restarts it, and a connection
// attempted while it was down waits in the listener's backlog and is served.
func TestFrontCrashKeepsConnectionsAndQueuesNewOnes(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	var conns []*rawConn
	for i := 0; i < 10; i++ {
		c := dialRaw(t, s.Addr)
		if err := c.ping(); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	front := s.Status().FrontPID
	if err := syscall.Kill(front, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Connect while the front is down (or restarting): the kernel queues it.
	queued := dialRaw(t, s.Addr)
	for i, c := range conns {
		if err := c.ping(); err != nil {
			t.Fatalf("connection %d after the front died: %v", i, err)
		}
	}
	if err := queued.ping(); err != nil {
		t.Fatalf("connection made while the front was down: %v", err)
	}
	testutil.Eventually(t, 10*time.Second, func() error {
		if pid := s.Status().FrontPID; pid == front || pid == 0 {
			return fmt.Errorf("front pid still %d", pid)
		}
		return nil
	})
	if n, err := testutil.FDCount(s.Status().FrontPID); err != nil || n > 64 {
		t.Fatalf("new front holds %d descriptors (%v)", n, err)
	}
	s.Stop()
}
