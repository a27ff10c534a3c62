// SPDX-License-Identifier: Apache-2.0

package uring

import "errors"

// ErrNotSupported is wrapped by the errors of Probe and New when io_uring
// cannot be used here: the kernel lacks it or an operation riffle needs, the
// administrator disabled it (/proc/sys/kernel/io_uring_disabled), a seccomp
// filter blocks it (EPERM, ENOSYS) or the locked-memory limit is too small for
// a ring (ENOMEM). Callers test it with errors.Is and fall back to the
// portable backend.
var ErrNotSupported = errors.New("io_uring not supported")

// ErrNoFd completes the Op of WriteAt, Sync and WriteAtSync when the file does
// not implement vfs.FdFile: the ring needs a descriptor, and choosing the
// portable backend for such files is the caller's job.
var ErrNoFd = errors.New("file has no descriptor")
