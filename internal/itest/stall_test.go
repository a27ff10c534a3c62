// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"testing"
	"time"

	"riffle/internal/testutil"
)

// A client that starts a frame and stops sending it is disconnected after
// limits.frame_timeout; an idle connection between frames is not.
func TestStalledFrameIsDisconnected(t *testing.T) {
	s := Start(t, Options{Shards: 2, Env: []string{"RIFFLE_LIMITS_FRAME_TIMEOUT=1s"}})
	idle := dialRaw(t, s.Addr)
	if err := idle.ping(); err != nil {
		t.Fatal(err)
	}
	stalled := dialRaw(t, s.Addr)
	if _, err := stalled.Write(request(1, nil)[:5]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stalled.SetReadDeadline(time.Now().Add(testutil.Scale(10 * time.Second)))
	var b [8]byte
	if n, err := stalled.Read(b[:]); err == nil {
		t.Fatalf("stalled connection got %d bytes instead of being closed", n)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Fatalf("closed after %v, before the 1s frame timeout", took)
	}
	time.Sleep(time.Second) // the idle connection outlives the timeout
	if err := idle.ping(); err != nil {
		t.Fatalf("idle connection after the frame timeout: %v", err)
	}
	s.Stop()
}
