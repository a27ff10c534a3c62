// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package vfs

import "os"

// datasync falls back to fsync where fdatasync is not available.
func datasync(f *os.File, _ uintptr) error { return f.Sync() }

// startWriteback does nothing where sync_file_range is not available: the
// next Sync writes everything.
func startWriteback(uintptr, int64, int64) error { return nil }

// dropCache does nothing where posix_fadvise is not available.
func dropCache(uintptr, int64, int64) error { return nil }
