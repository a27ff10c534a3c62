// SPDX-License-Identifier: Apache-2.0

// Package threads sizes the Go runtime's pool of idle OS threads up front.
//
// The runtime never ends a thread it made for a goroutine stuck in a system
// call; it parks it and reuses it. With one P, sysmon hands the P to another
// thread whenever a system call lasts longer than its 20 µs tick, so on a
// loaded machine the pool grows, one thread at a time, to the largest number
// of system calls that ever happened to be slow at once: a count set by
// scheduling luck, not by what the process does. A process that reserves a
// few threads at start reaches that plateau at once, so its thread count
// stays put while it works and a thread that does leak shows.
package threads

import (
	"runtime"
	"sync"
)

// Reserve makes the runtime hold at least n threads able to run goroutines,
// besides sysmon and threads locked by other goroutines, and returns once
// they exist and are idle. It does so by parking n goroutines, each locked
// to its own thread, at once: the runtime must start a thread to run the
// next one, and every thread returns to the idle pool when its goroutine
// unlocks. Idle threads are reused first, so a process that already has
// them starts next to none.
func Reserve(n int) {
	var locked sync.WaitGroup
	release := make(chan struct{})
	done := make(chan struct{})
	locked.Add(n)
	for range n {
		go func() {
			runtime.LockOSThread()
			locked.Done()
			<-release // parks with the thread: the P moves on to another
			runtime.UnlockOSThread()
			done <- struct{}{}
		}()
	}
	locked.Wait()
	close(release)
	for range n {
		<-done
	}
}
