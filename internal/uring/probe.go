// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/pawelgaczynski/giouring"
	"golang.org/x/sys/unix"
)

// MinKernel is the oldest Linux release the backend is documented to work
// on: IORING_OP_WRITE and IORING_REGISTER_PROBE appeared in 5.6 (linked SQEs
// in 5.3, eventfd registration and IORING_OP_FSYNC in 5.1). On this release or
// newer, a Probe failure is a fault of the machine's configuration (sysctl,
// seccomp, memlock, a kernel built without io_uring) or of this package,
// never a missing feature. Tests hold the probe to the stricter
// AssuredKernel rule (see ExplainProbe).
const MinKernel = "5.6"

const (
	probeEntries = 4
	probeTimeout = 5 * time.Second
)

// Probe checks that io_uring can serve this process: it sets up a small ring,
// checks that the kernel knows IORING_OP_WRITE, IORING_OP_FSYNC and
// IORING_OP_NOP, registers an eventfd, and runs two linked chains (one that
// succeeds, one whose failing head must cancel its link) whose completions it
// waits for through the eventfd. It returns nil when the backend will work,
// an error wrapping ErrNotSupported when io_uring is missing, disabled,
// blocked or memlock-limited, and another error when the probe itself could
// not run (for example, out of file descriptors). Probe blocks for at most a
// few seconds and is safe to call concurrently.
func Probe() error {
	if v, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); err == nil &&
		strings.TrimSpace(string(v)) == "2" {
		return fmt.Errorf("probe io_uring: kernel.io_uring_disabled=2: %w", ErrNotSupported)
	}
	ring := giouring.NewRing()
	if err := ring.QueueInit(probeEntries, 0); err != nil {
		return setupError("probe io_uring: setup", err)
	}
	defer ring.QueueExit()

	p, err := ring.GetProbeRing()
	if err != nil {
		return fmt.Errorf("probe io_uring: register probe: %w: %w", ErrNotSupported, err)
	}
	for _, op := range []struct {
		code uint8
		name string
	}{
		{giouring.OpNop, "nop"},
		{giouring.OpWrite, "write"},
		{giouring.OpFsync, "fsync"},
	} {
		if !p.IsSupported(op.code) {
			return fmt.Errorf("probe io_uring: opcode %s: %w", op.name, ErrNotSupported)
		}
	}

	efdNum, efd, err := newEventfd()
	if err != nil {
		return fmt.Errorf("probe io_uring: %w", err)
	}
	defer efd.Close()
	if _, err := ring.RegisterEventFd(efdNum); err != nil {
		return fmt.Errorf("probe io_uring: register eventfd: %w: %w", ErrNotSupported, err)
	}
	if err := probeLinks(ring, efd); err != nil {
		return err
	}
	if err := unregisterEventfd(ring); err != nil {
		return fmt.Errorf("probe io_uring: %w: %w", ErrNotSupported, err)
	}
	return nil
}

// probeLinks submits NOP→NOP (both must succeed) and write(-1)→NOP (the write
// fails with EBADF, so the NOP must be cancelled), then waits for the four
// completions through the eventfd and the netpoller.
func probeLinks(ring *giouring.Ring, efd *os.File) error {
	want := map[uint64]int32{
		1: 0, 2: 0,
		3: -int32(syscall.EBADF), 4: -int32(syscall.ECANCELED),
	}
	for tag := uint64(1); tag <= 4; tag++ {
		sqe := ring.GetSQE()
		if sqe == nil {
			return fmt.Errorf("probe io_uring: no free SQE in a fresh ring: %w", ErrNotSupported)
		}
		*sqe = giouring.SubmissionQueueEntry{}
		if tag == 3 {
			sqe.PrepareWrite(-1, 0, 0, 0)
		} else {
			sqe.PrepareNop()
		}
		if tag%2 == 1 {
			sqe.Flags = giouring.SqeIOLink
		}
		sqe.UserData = tag
	}
	if _, err := submitAll(ring); err != nil {
		return fmt.Errorf("probe io_uring: submit: %w: %w", ErrNotSupported, err)
	}

	got := make(map[uint64]int32, len(want))
	deadline := time.Now().Add(probeTimeout)
	var buf [8]byte
	for len(got) < len(want) {
		if err := efd.SetReadDeadline(deadline); err != nil {
			return fmt.Errorf("probe io_uring: eventfd deadline: %w", err)
		}
		if _, err := efd.Read(buf[:]); err != nil {
			return fmt.Errorf("probe io_uring: wait for %d completions, got %d: %w: %w",
				len(want), len(got), ErrNotSupported, err)
		}
		var n uint32
		ring.ForEachCQE(func(cqe *giouring.CompletionQueueEvent) {
			got[cqe.UserData] = cqe.Res
			n++
		})
		ring.CQAdvance(n)
	}
	for tag, res := range want {
		if got[tag] != res {
			return fmt.Errorf("probe io_uring: linked chain: completion %d has result %d, want %d: %w",
				tag, got[tag], res, ErrNotSupported)
		}
	}
	return nil
}

// setupError classifies an io_uring_setup failure. ENOSYS and EPERM come from
// a kernel without io_uring, io_uring_disabled or seccomp; ENOMEM from the
// locked-memory limit on kernels before 5.12; EINVAL from a kernel that
// rejects the parameters.
func setupError(what string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENOSYS, syscall.EPERM, syscall.EACCES, syscall.EINVAL:
			return fmt.Errorf("%s: %w: %w", what, ErrNotSupported, err)
		case syscall.ENOMEM:
			return fmt.Errorf("%s (locked-memory limit too low?): %w: %w", what, ErrNotSupported, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// newEventfd returns a non-blocking eventfd, as its number (for the ring) and
// wrapped in an *os.File that owns it, so that reads park in the netpoller
// instead of holding a thread. The number is returned separately because
// (*os.File).Fd would switch the descriptor back to blocking mode.
func newEventfd() (int, *os.File, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return -1, nil, fmt.Errorf("eventfd: %w", err)
	}
	return fd, os.NewFile(uintptr(fd), "io_uring-eventfd"), nil
}

// unregisterEventfd calls IORING_UNREGISTER_EVENTFD. giouring's
// UnregisterEventFd passes an argument, which the kernel rejects with EINVAL.
func unregisterEventfd(ring *giouring.Ring) error {
	if _, errno := ring.Register(ring.RingFd(), giouring.UnregisterEventFD, nil, 0); errno != 0 {
		return fmt.Errorf("unregister eventfd: %w", errno)
	}
	return nil
}
