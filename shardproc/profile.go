// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// startProfile starts a CPU profile when the unstable debug knob
// RIFFLE_DEBUG_CPUPROFILE_DIR names a directory: each shard writes
// shard-<id>.pprof there when it stops. It returns the function that stops
// the profile (a no-op without the knob).
func (s *Shard) startProfile() func() {
	dir := os.Getenv("RIFFLE_DEBUG_CPUPROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	path := filepath.Join(dir, fmt.Sprintf("shard-%d.pprof", s.id))
	f, err := os.Create(path)
	if err != nil {
		s.log.WithError(err).Warn("create cpu profile")
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		s.log.WithError(err).Warn("start cpu profile")
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
