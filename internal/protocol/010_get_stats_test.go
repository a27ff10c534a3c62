// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestGetStatsPayloadIsEmpty(t *testing.T) {
	checkRequestCodec(t, &GetStats{}, "")
}

func sampleStats() *Stats {
	return &Stats{
		ProcessID: 1234, CPUUsage: 1.5, TotalCPUUsage: 2,
		MemoryUsage: 1, TotalMemory: 2, AvailableMemory: 3, RunTime: 4, StartTime: 5,
		ReadBytes: 6, WrittenBytes: 7, MessagesSizeBytes: 8,
		StreamsCount: 1, TopicsCount: 2, PartitionsCount: 3, SegmentsCount: 4,
		MessagesCount: 9, ClientsCount: 5, ConsumerGroupsCount: 6,
		Hostname: "h", OSName: "Linux", OSVersion: "6", KernelVersion: "6.8", ServerVersion: "0.8.0",
		ServerSemver: ServerSemver(0, 8, 0),
		CacheMetrics: []CacheMetric{{StreamID: 1, TopicID: 0, PartitionID: 2, Hits: 10, Misses: 5, HitRatio: 0.5}},
		ThreadsCount: 7, FreeDiskSpace: 100, TotalDiskSpace: 200,
	}
}

func TestStatsCarryEveryField(t *testing.T) {
	// §3.3.10, every field in order, including the three trailing ones.
	const want = `
		D2040000 0000C03F 00000040               # process_id, cpu, total cpu
		0100000000000000 0200000000000000        # memory, total memory
		0300000000000000 0400000000000000        # available memory, run_time
		0500000000000000 0600000000000000        # start_time, read_bytes
		0700000000000000 0800000000000000        # written_bytes, messages_size_bytes
		01000000 02000000 03000000 04000000      # streams, topics, partitions, segments
		0900000000000000                         # messages_count
		05000000 06000000                        # clients, consumer groups (ends at 108)
		01000000 68                              # hostname
		05000000 4C696E7578                      # os_name
		01000000 36                              # os_version
		03000000 362E38                          # kernel_version
		05000000 302E382E30                      # iggy_server_version
		401F0000                                 # semver 8000
		01000000                                 # cache_metrics_count
		01000000 00000000 02000000 0A00000000000000 0500000000000000 0000003F
		07000000                                 # threads_count
		6400000000000000 C800000000000000        # free, total disk space`
	s := sampleStats()
	checkResponseCodec(t, s, new(Stats), want)
	if s.Size() != len(unhex(t, want)) {
		t.Fatalf("Size() = %d, want %d", s.Size(), len(unhex(t, want)))
	}
	if ServerSemver(0, 8, 0) != 8000 || ServerSemver(1, 2, 3) != 1_002_003 {
		t.Fatal("ServerSemver packs major·1e6 + minor·1e3 + patch")
	}
}

func TestStatsRejectsCacheCountBeyondPayload(t *testing.T) {
	s := sampleStats()
	s.CacheMetrics = nil
	b := s.AppendTo(nil)
	// cache_metrics_count sits 24 bytes before the end.
	copy(b[len(b)-24:], []byte{0xFF, 0xFF, 0xFF, 0x0F})
	wantStatus(t, new(Stats).Decode(b), StatusInvalidCommand)
}
