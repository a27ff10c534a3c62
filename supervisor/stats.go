// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"riffle/internal/clock"
	"riffle/internal/control"
	"riffle/internal/protocol"
	"riffle/internal/version"
	"riffle/ipc"
)

// serveStats answers GetStats with figures aggregated over every process.
func (s *Supervisor) serveStats(p *ipc.Peer, f *ipc.Frame) {
	st := s.stats()
	p.Reply(f, nil, st.AppendTo(nil))
}

func (s *Supervisor) stats() protocol.Stats {
	now := time.Now()
	st := protocol.Stats{
		ProcessID:     uint32(os.Getpid()),
		RunTime:       uint64(now.Sub(s.started) / time.Microsecond),
		StartTime:     clock.Micros(s.started),
		ServerVersion: version.IggyServer,
		ServerSemver:  version.IggySemver,
		OSName:        "Linux",
		OSVersion:     osVersion(),
		ClientsCount:  s.clientCount(),
	}
	st.Hostname, _ = os.Hostname()
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		st.KernelVersion = unix.ByteSliceToString(uts.Release[:])
	}
	st.TotalMemory, st.AvailableMemory = memInfo()
	var fs unix.Statfs_t
	if unix.Statfs(s.dataDir, &fs) == nil {
		st.FreeDiskSpace = fs.Bavail * uint64(fs.Bsize)
		st.TotalDiskSpace = fs.Blocks * uint64(fs.Bsize)
	}

	s.md.mu.Lock()
	for _, str := range s.md.st.Streams() {
		st.StreamsCount++
		for _, t := range s.md.st.Topics(str.ID) {
			st.TopicsCount++
			st.PartitionsCount += uint32(len(t.Partitions))
			st.ConsumerGroupsCount += uint32(len(s.md.st.Groups(str.ID, t.ID)))
		}
	}
	s.md.mu.Unlock()

	var mu sync.Mutex
	var wg sync.WaitGroup
	var opened uint32 // partitions the shards have open
	for _, c := range s.replicas() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r, err := c.peer.Call(ctx, control.TypeShardStats, nil, nil)
			if err != nil {
				return
			}
			var ss control.ShardStats
			if r.Decode(&ss) != nil {
				return
			}
			mu.Lock()
			st.SegmentsCount += ss.Segments
			opened += ss.Partitions
			st.MessagesCount += ss.Messages
			st.MessagesSizeBytes += ss.MessagesBytes
			st.ReadBytes += ss.ReadBytes
			st.WrittenBytes += ss.WrittenBytes
			st.ThreadsCount += ss.Threads
			mu.Unlock()
		}()
	}
	wg.Wait()
	// A partition no shard has opened yet has its first, empty segment, as
	// GetTopic reports it.
	if st.PartitionsCount > opened {
		st.SegmentsCount += st.PartitionsCount - opened
	}

	// Memory and CPU of the whole process tree.
	var cpuSeconds float64
	for _, pid := range s.pids() {
		rss, cpu := procUsage(pid)
		st.MemoryUsage += rss
		cpuSeconds += cpu
	}
	if run := now.Sub(s.started).Seconds(); run > 0 {
		st.CPUUsage = float32(cpuSeconds / run * 100)
		st.TotalCPUUsage = st.CPUUsage / float32(len(s.cpus))
	}
	return st
}

// pids returns the supervisor's and every live child's pid.
func (s *Supervisor) pids() []int {
	out := []int{os.Getpid()}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, slot := range s.shards {
		if slot.cur != nil && slot.cur.alive() {
			out = append(out, slot.cur.pid)
		}
	}
	if s.front != nil && s.front.cur != nil && s.front.cur.alive() {
		out = append(out, s.front.cur.pid)
	}
	return out
}

// procUsage returns a process's resident bytes and CPU seconds from /proc.
func procUsage(pid int) (uint64, float64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 22 {
		return 0, 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	rss, _ := strconv.ParseUint(f[21], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return rss * uint64(os.Getpagesize()), (utime + stime) / ticks
}

func memInfo() (total, available uint64) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		v, _ := strconv.ParseUint(fs[1], 10, 64)
		switch fs[0] {
		case "MemTotal:":
			total = v * 1024
		case "MemAvailable:":
			available = v * 1024
		}
	}
	return total, available
}

func osVersion() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
