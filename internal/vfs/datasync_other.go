// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package vfs

import "os"

// datasync falls back to fsync where fdatasync is not available.
func datasync(f *os.File, _ uintptr) error { return f.Sync() }
