// SPDX-License-Identifier: Apache-2.0

// GetStats (10): empty request; the response is Stats (protocol doc §3.3.10),
// every field including the trailing threads_count, free_disk_space and
// total_disk_space, which the Go SDK v0.8.0 reads. Needs read_servers. Fully
// supported.

package protocol

import "strconv"

// GetStats is the request payload of GetStats (10).
type GetStats struct{}

// Code returns CodeGetStats.
func (*GetStats) Code() Code { return CodeGetStats }

// Size returns the encoded payload size.
func (*GetStats) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*GetStats) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*GetStats) Decode([]byte) error { return nil }

// Sizes of the fixed parts of Stats.
//
// StatsFixedPrefixSize is 108: the numeric fields from process_id through
// consumer_groups_count. The protocol doc §3.3.10 (and a comment in the Rust
// source) say 104, but the fields sum to 108 and both the Rust decoder and
// the Go SDK read consumer_groups_count at offset 104; the code wins.
const (
	StatsFixedPrefixSize = 108
	CacheMetricSize      = 32
	// statsMinSize adds five empty strings, semver, cache count and the
	// three trailing fields.
	statsMinSize = StatsFixedPrefixSize + 5*4 + 4 + 4 + 4 + 8 + 8
)

// ServerSemver packs a version as Iggy does: major·1 000 000 + minor·1 000 +
// patch (0.8.0 → 8000). 0 means unknown.
func ServerSemver(major, minor, patch uint32) uint32 {
	return major*1_000_000 + minor*1_000 + patch
}

// Stats is the GetStats response. Times are µs (StartTime since the epoch).
type Stats struct {
	ProcessID           uint32
	CPUUsage            float32
	TotalCPUUsage       float32
	MemoryUsage         uint64
	TotalMemory         uint64
	AvailableMemory     uint64
	RunTime             uint64
	StartTime           uint64
	ReadBytes           uint64
	WrittenBytes        uint64
	MessagesSizeBytes   uint64
	StreamsCount        uint32
	TopicsCount         uint32
	PartitionsCount     uint32
	SegmentsCount       uint32
	MessagesCount       uint64
	ClientsCount        uint32
	ConsumerGroupsCount uint32
	Hostname            string
	OSName              string
	OSVersion           string
	KernelVersion       string
	ServerVersion       string // iggy_server_version
	ServerSemver        uint32 // iggy_server_semver, see ServerSemver; 0 = unknown
	CacheMetrics        []CacheMetric
	ThreadsCount        uint32
	FreeDiskSpace       uint64
	TotalDiskSpace      uint64
}

// CacheMetric is one per-partition cache entry of Stats (32 bytes).
type CacheMetric struct {
	StreamID    uint32
	TopicID     uint32
	PartitionID uint32
	Hits        uint64
	Misses      uint64
	HitRatio    float32
}

// Size returns the encoded size.
func (s *Stats) Size() int {
	return statsMinSize + len(s.Hostname) + len(s.OSName) + len(s.OSVersion) +
		len(s.KernelVersion) + len(s.ServerVersion) + CacheMetricSize*len(s.CacheMetrics)
}

// AppendTo appends the encoding of s.
func (s *Stats) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, s.ProcessID)
	dst = appendF32(dst, s.CPUUsage)
	dst = appendF32(dst, s.TotalCPUUsage)
	dst = appendU64(dst, s.MemoryUsage)
	dst = appendU64(dst, s.TotalMemory)
	dst = appendU64(dst, s.AvailableMemory)
	dst = appendU64(dst, s.RunTime)
	dst = appendU64(dst, s.StartTime)
	dst = appendU64(dst, s.ReadBytes)
	dst = appendU64(dst, s.WrittenBytes)
	dst = appendU64(dst, s.MessagesSizeBytes)
	dst = appendU32(dst, s.StreamsCount)
	dst = appendU32(dst, s.TopicsCount)
	dst = appendU32(dst, s.PartitionsCount)
	dst = appendU32(dst, s.SegmentsCount)
	dst = appendU64(dst, s.MessagesCount)
	dst = appendU32(dst, s.ClientsCount)
	dst = appendU32(dst, s.ConsumerGroupsCount)
	dst = appendLongString(dst, s.Hostname)
	dst = appendLongString(dst, s.OSName)
	dst = appendLongString(dst, s.OSVersion)
	dst = appendLongString(dst, s.KernelVersion)
	dst = appendLongString(dst, s.ServerVersion)
	dst = appendU32(dst, s.ServerSemver)
	dst = appendU32(dst, uint32(len(s.CacheMetrics)))
	for _, m := range s.CacheMetrics {
		dst = appendU32(dst, m.StreamID)
		dst = appendU32(dst, m.TopicID)
		dst = appendU32(dst, m.PartitionID)
		dst = appendU64(dst, m.Hits)
		dst = appendU64(dst, m.Misses)
		dst = appendF32(dst, m.HitRatio)
	}
	dst = appendU32(dst, s.ThreadsCount)
	dst = appendU64(dst, s.FreeDiskSpace)
	return appendU64(dst, s.TotalDiskSpace)
}

// Decode reads a GetStats response; trailing bytes are accepted.
func (s *Stats) Decode(payload []byte) error {
	r := NewReader(payload)
	var v Stats
	v.ProcessID = r.U32()
	v.CPUUsage = r.F32()
	v.TotalCPUUsage = r.F32()
	v.MemoryUsage = r.U64()
	v.TotalMemory = r.U64()
	v.AvailableMemory = r.U64()
	v.RunTime = r.U64()
	v.StartTime = r.U64()
	v.ReadBytes = r.U64()
	v.WrittenBytes = r.U64()
	v.MessagesSizeBytes = r.U64()
	v.StreamsCount = r.U32()
	v.TopicsCount = r.U32()
	v.PartitionsCount = r.U32()
	v.SegmentsCount = r.U32()
	v.MessagesCount = r.U64()
	v.ClientsCount = r.U32()
	v.ConsumerGroupsCount = r.U32()
	v.Hostname = r.LongString()
	v.OSName = r.LongString()
	v.OSVersion = r.LongString()
	v.KernelVersion = r.LongString()
	v.ServerVersion = r.LongString()
	v.ServerSemver = r.U32()
	n := r.U32()
	if !r.Failed() && uint64(n)*CacheMetricSize > uint64(r.Remaining()) {
		r.Fail(StatusInvalidCommand, "cache_metrics_count "+strconv.FormatUint(uint64(n), 10)+" beyond payload")
	}
	if !r.Failed() && n > 0 {
		v.CacheMetrics = make([]CacheMetric, n)
		for i := range v.CacheMetrics {
			m := &v.CacheMetrics[i]
			m.StreamID = r.U32()
			m.TopicID = r.U32()
			m.PartitionID = r.U32()
			m.Hits = r.U64()
			m.Misses = r.U64()
			m.HitRatio = r.F32()
		}
	}
	v.ThreadsCount = r.U32()
	v.FreeDiskSpace = r.U64()
	v.TotalDiskSpace = r.U64()
	if err := r.Finish(); err != nil {
		return err
	}
	*s = v
	return nil
}
