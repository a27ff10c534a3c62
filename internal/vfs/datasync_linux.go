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
