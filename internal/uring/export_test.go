// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// MinKernelMajor and MinKernelMinor are MinKernel as numbers, for tests.
const (
	MinKernelMajor = minKernelMajor
	MinKernelMinor = minKernelMinor
)

// SetPiece caps the bytes per write SQE, so that tests can drive the
// continuation path with small writes. Call it before the first operation.
func SetPiece(b *Backend, n int) { b.piece = n }

// KernelAtLeast reports whether the running kernel's release is at least
// major.minor.
func KernelAtLeast(major, minor int) (bool, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return false, fmt.Errorf("uname: %w", err)
	}
	gotMajor, gotMinor, err := ParseRelease(unix.ByteSliceToString(u.Release[:]))
	if err != nil {
		return false, err
	}
	return gotMajor > major || gotMajor == major && gotMinor >= minor, nil
}

// ParseRelease extracts major and minor from a kernel release such as
// "6.18.44-fc-v782", "5.15.0-91-generic" or "6.1-rc3".
func ParseRelease(rel string) (major, minor int, err error) {
	majorStr, rest, ok := strings.Cut(rel, ".")
	if !ok {
		return 0, 0, fmt.Errorf("parse kernel release %q: want major.minor", rel)
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	if major, err = strconv.Atoi(majorStr); err != nil {
		return 0, 0, fmt.Errorf("parse kernel release %q: %w", rel, err)
	}
	if minor, err = strconv.Atoi(rest[:end]); err != nil {
		return 0, 0, fmt.Errorf("parse kernel release %q: %w", rel, err)
	}
	return major, minor, nil
}
