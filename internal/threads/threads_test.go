// SPDX-License-Identifier: Apache-2.0

package threads_test

import (
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"riffle/internal/threads"
)

// osThreads counts this process's threads.
func osThreads(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	return len(ents)
}

func TestReserveStartsIdleThreadsOnceOnly(t *testing.T) {
	created := pprof.Lookup("threadcreate")
	// More than the process has, so that some must be started.
	n := osThreads(t) + 4
	threads.Reserve(n)
	// n threads that ran the parked goroutines, and sysmon. The runtime may
	// start a thread asynchronously (through its template thread), so give
	// the last ones a moment to appear.
	deadline := time.Now().Add(2 * time.Second)
	for osThreads(t) < n+1 {
		if time.Now().After(deadline) {
			t.Fatalf("after Reserve(%d): %d threads, want at least %d", n, osThreads(t), n+1)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The reserved threads are idle and reused: reserving as many again
	// makes the runtime start none.
	made := created.Count()
	threads.Reserve(n)
	if created.Count() != made {
		t.Fatalf("a second Reserve(%d) started threads: created %d → %d", n, made, created.Count())
	}
}
