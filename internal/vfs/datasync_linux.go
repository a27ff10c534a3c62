// SPDX-License-Identifier: Apache-2.0

package vfs

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync is fdatasync(2), retried on EINTR.
func datasync(_ *os.File, fd uintptr) error {
	for {
		err := unix.Fdatasync(int(fd))
		if err != unix.EINTR {
			return err
		}
	}
}

// startWriteback is sync_file_range(2) with SYNC_FILE_RANGE_WRITE alone: it
// queues the dirty pages of the range for writeback and does not wait for
// pages already under writeback or for the I/O to finish. Retried on EINTR.
func startWriteback(fd uintptr, off, n int64) error {
	for {
		err := unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
		if err != unix.EINTR {
			return err
		}
	}
}

// dropCache is posix_fadvise(2) POSIX_FADV_DONTNEED: the range's clean pages
// leave the page cache.
func dropCache(fd uintptr, off, n int64) error {
	return unix.Fadvise(int(fd), off, n, unix.FADV_DONTNEED)
}
