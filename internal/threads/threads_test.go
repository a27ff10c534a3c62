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
	// More than a test process has (about a dozen), so that the first
	// Reserve must start some.
	const n = 32
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
	// starts next to none. (With several Ps an idle thread may be busy
	// elsewhere for a moment, so one or two new ones are not a failure.)
	made := created.Count()
	threads.Reserve(n)
	if started := created.Count() - made; started > n/4 {
		t.Fatalf("a second Reserve(%d) started %d threads", n, started)
	}
}
