// SPDX-License-Identifier: Apache-2.0

package threads_test

import (
	"os"
	"runtime/pprof"
	"testing"

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
	made := created.Count()
	threads.Reserve(n)
	// n threads that ran the parked goroutines, and sysmon.
	after := osThreads(t)
	if after < n+1 || created.Count() <= made {
		t.Fatalf("after Reserve(%d): %d threads (created %d → %d), want at least %d", n, after, made, created.Count(), n+1)
	}
	// The reserved threads are idle and reused: reserving as many again
	// starts none.
	made = created.Count()
	threads.Reserve(n)
	if again := osThreads(t); again != after || created.Count() != made {
		t.Fatalf("a second Reserve(%d) changed the threads %d → %d (created %d → %d)", n, after, again, made, created.Count())
	}
}
