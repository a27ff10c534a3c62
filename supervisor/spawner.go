// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"os"
	"os/exec"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"riffle/internal/affinity"
)

// A spawner is an OS thread, locked for the supervisor's whole life with its
// CPU mask set once, that forks every incarnation of one child slot (one per
// shard, one for the front). A child forked from it inherits the mask (so a
// shard is pinned from birth), and its Pdeathsig, which fires when the
// forking thread ends, fires only when the supervisor itself goes. Keeping
// the thread for good, rather than one per child, also keeps the
// supervisor's thread count steady across restarts.
type spawner struct {
	req  chan spawnReq
	err  error // setting the mask failed; every start reports it
	once sync.Once
}

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

// newSpawner starts the thread for cpus.
func newSpawner(cpus []int) *spawner {
	sp := &spawner{req: make(chan spawnReq)}
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread carries the mask and the children's Pdeathsig
		sp.err = affinity.SetCurrentThread(cpus)
		close(ready)
		for r := range sp.req {
			if sp.err != nil {
				r.done <- sp.err
				continue
			}
			r.done <- r.cmd.Start()
		}
		select {} // keep the thread (and its children's Pdeathsig) until the process ends
	}()
	<-ready
	return sp
}

// start forks cmd from the spawner's thread.
func (sp *spawner) start(cmd *exec.Cmd) error {
	done := make(chan error, 1)
	sp.req <- spawnReq{cmd: cmd, done: done}
	return <-done
}

// waitExit waits for cmd's process to end and reaps it. It waits on a pidfd
// through Go's netpoller, so no OS thread sits blocked in wait4 per child (a
// blocked thread would make the runtime start another, and keep it); where
// pidfds are missing it falls back to a blocking Wait.
func waitExit(cmd *exec.Cmd) error {
	if fd, err := unix.PidfdOpen(cmd.Process.Pid, unix.PIDFD_NONBLOCK); err == nil {
		f := os.NewFile(uintptr(fd), "pidfd")
		if rc, err := f.SyscallConn(); err == nil {
			waited := false
			rc.Read(func(uintptr) bool { // readable once the process has exited
				if waited {
					return true
				}
				waited = true
				return false
			})
		}
		f.Close()
	}
	return cmd.Wait()
}
