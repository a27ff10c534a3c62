// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sirupsen/logrus"

	"riffle/internal/logging"
	"riffle/internal/metadata"
	"riffle/internal/storage"
	"riffle/internal/uring"
	"riffle/internal/vfs"
)

// retentionInterval is how often expired and oversized segments are deleted.
const retentionInterval = 10 * time.Second

// openBackend chooses the storage I/O backend: io_uring when asked for or
// (auto) when the probe succeeds, the portable pwrite/fdatasync one otherwise.
func (s *Shard) openBackend() (vfs.Backend, error) {
	mode := s.cfg.Storage.IO
	if mode == "sync" {
		return vfs.NewSync(vfs.DefaultSyncWorkers), nil
	}
	if err := uring.Probe(); err != nil {
		if mode == "uring" {
			return nil, fmt.Errorf("storage.io = uring: %w", err)
		}
		s.log.WithError(err).Warn("io_uring unavailable; using the portable pwrite/fdatasync backend")
		return vfs.NewSync(vfs.DefaultSyncWorkers), nil
	}
	b, err := uring.New(uring.Options{})
	if err != nil {
		if mode == "uring" {
			return nil, fmt.Errorf("storage.io = uring: %w", err)
		}
		s.log.WithError(err).Warn("io_uring setup failed; using the portable pwrite/fdatasync backend")
		return vfs.NewSync(vfs.DefaultSyncWorkers), nil
	}
	return b, nil
}

// openStorage opens this shard's engine and recovers every partition placed
// on it, so Ready means recovered. Fenced partitions are logged and left out;
// the others serve.
func (s *Shard) openStorage() error {
	backend, err := s.openBackend()
	if err != nil {
		return err
	}
	durability := storage.DurabilityFsync
	if s.cfg.Storage.Durability == "write" {
		durability = storage.DurabilityWrite
	}
	cacheWindow := int64(s.cfg.Storage.CacheWindow)
	if cacheWindow == 0 { // unlimited
		cacheWindow = -1
	}
	eng, err := storage.Open(storage.Options{
		IO:          backend,
		Dir:         s.cfg.Server.DataDir,
		Shard:       s.id,
		Durability:  durability,
		SegmentSize: int64(s.cfg.Storage.SegmentSize),
		CacheWindow: cacheWindow,
		Events:      s.storageEvents(),
	})
	if err != nil {
		backend.Close()
		return fmt.Errorf("open storage: %w", err)
	}
	s.engine, s.backend = eng, backend
	s.log.WithFields(logrus.Fields{"io": backend.Name(), "durability": durability.String(), "crashed": eng.Crashed()}).Info("storage open")

	var refs []metadata.PartitionRef
	s.md.read(func(st *metadata.State) { refs = st.PartitionsOnShard(uint32(s.id)) })
	for _, ref := range refs {
		if _, err := s.partition(ref); err != nil && !errors.Is(err, storage.ErrPartitionFenced) {
			return err
		}
	}
	if s.id == 0 {
		removed, err := eng.SweepOrphans(func(k storage.Key) bool { return s.partitionKnown(k) })
		if err != nil {
			s.log.WithError(err).Warn("sweep orphan partitions")
		}
		for _, p := range removed {
			s.log.WithField(logging.Path, p).Info("orphan partition directory removed")
		}
	}
	return s.reg.Every("retention", retentionInterval, func(context.Context) error {
		rep := eng.EnforceRetention()
		_ = rep
		return nil
	}, nil)
}

// partitionKnown reports whether k names a partition the metadata knows.
func (s *Shard) partitionKnown(k storage.Key) bool {
	known := false
	s.md.read(func(st *metadata.State) {
		for _, ref := range st.Partitions() {
			if ref.StreamUID == k.Stream && ref.TopicUID == k.Topic && ref.PartitionUID == k.Partition {
				known = true
				return
			}
		}
	})
	return known
}

func keyOf(ref metadata.PartitionRef) storage.Key {
	return storage.Key{Stream: ref.StreamUID, Topic: ref.TopicUID, Partition: ref.PartitionUID}
}

// partitionConfig derives a partition's retention settings from its topic.
func partitionConfig(t *metadata.Topic) storage.PartitionConfig {
	var cfg storage.PartitionConfig
	if t == nil {
		return cfg
	}
	if t.MessageExpiry != metadata.Never && t.MessageExpiry != 0 {
		cfg.MessageExpiry = time.Duration(t.MessageExpiry) * time.Microsecond
	}
	if t.MaxTopicSize != metadata.Never && t.MaxTopicSize != 0 && len(t.Partitions) > 0 {
		cfg.MaxSize = t.MaxTopicSize / uint64(len(t.Partitions))
		if cfg.MaxSize == 0 {
			cfg.MaxSize = 1
		}
	}
	return cfg
}

// partition returns the open partition for ref, opening (creating or
// recovering) it on first use.
func (s *Shard) partition(ref metadata.PartitionRef) (*storage.Partition, error) {
	k := keyOf(ref)
	if p, ok := s.engine.Partition(k); ok {
		return p, nil
	}
	var cfg storage.PartitionConfig
	s.md.read(func(st *metadata.State) { cfg = partitionConfig(st.Topic(ref.StreamID, ref.TopicID)) })
	s.openMu.Lock()
	defer s.openMu.Unlock()
	if p, ok := s.engine.Partition(k); ok {
		return p, nil
	}
	p, err := s.engine.OpenPartition(k, cfg)
	if err != nil {
		return nil, fmt.Errorf("open partition %d/%d/%d: %w", ref.StreamID, ref.TopicID, ref.PartitionID, err)
	}
	return p, nil
}

// applyEffects changes local storage after entry e was applied: dropping,
// purging and reconfiguring the partitions this shard owns.
func (s *Shard) applyEffects(e metadata.Entry) {
	if s.engine == nil {
		return // not open yet: recovery reads the replica afterwards
	}
	mine := func(refs []metadata.PartitionRef) []metadata.PartitionRef {
		var out []metadata.PartitionRef
		for _, r := range refs {
			if r.Shard == uint32(s.id) {
				out = append(out, r)
			}
		}
		return out
	}
	drop := func(refs []metadata.PartitionRef) {
		for _, r := range mine(refs) {
			if err := s.engine.DropPartition(keyOf(r)); err != nil {
				s.log.WithError(err).WithField(logging.Partition, keyOf(r).String()).Error("drop partition")
			}
		}
	}
	purge := func(refs []metadata.PartitionRef) {
		for _, r := range mine(refs) {
			p, err := s.partition(r)
			if err != nil {
				s.log.WithError(err).Error("purge partition")
				continue
			}
			if err := p.Purge(); err != nil {
				s.log.WithError(err).WithField(logging.Partition, keyOf(r).String()).Error("purge partition")
			}
			s.engine.DropOffsets(keyOf(r)).Wait()
		}
	}
	switch e.Kind {
	case metadata.EntryDeleteStream:
		drop(e.DeleteStream.Partitions)
		s.engine.DropStream(e.DeleteStream.StreamUID)
	case metadata.EntryDeleteTopic:
		drop(e.DeleteTopic.Partitions)
	case metadata.EntryDeletePartitions:
		drop(e.DeletePartitions.Partitions)
	case metadata.EntryPurgeStream:
		purge(e.PurgeStream.Partitions)
	case metadata.EntryPurgeTopic:
		purge(e.PurgeTopic.Partitions)
	case metadata.EntryUpdateTopic, metadata.EntryCreatePartitions:
		s.reconfigureTopic(topicOf(e))
	case metadata.EntryDeleteGroup:
		// A group created later may get the same id: it must not inherit
		// the deleted group's offsets (Iggy 0.8.0 deletes them too).
		g := e.DeleteGroup
		var refs []metadata.PartitionRef
		s.md.read(func(st *metadata.State) {
			for _, r := range st.PartitionsOnShard(uint32(s.id)) {
				if r.StreamID == g.Stream && r.TopicID == g.Topic {
					refs = append(refs, r)
				}
			}
		})
		for _, r := range refs {
			if _, err := s.engine.DeleteOffset(keyOf(r), storage.Consumer{Kind: storage.ConsumerKindGroup, ID: g.Group}); err != nil {
				s.log.WithError(err).WithField(logging.Partition, keyOf(r).String()).Error("delete offsets of a deleted consumer group")
			}
		}
	}
}

func topicOf(e metadata.Entry) [2]uint32 {
	if e.UpdateTopic != nil {
		return [2]uint32{e.UpdateTopic.Stream, e.UpdateTopic.Topic}
	}
	if e.CreatePartitions != nil {
		return [2]uint32{e.CreatePartitions.Stream, e.CreatePartitions.Topic}
	}
	return [2]uint32{math.MaxUint32, math.MaxUint32}
}

// reconfigureTopic pushes a topic's retention settings to its open partitions.
func (s *Shard) reconfigureTopic(st [2]uint32) {
	var cfg storage.PartitionConfig
	var refs []metadata.PartitionRef
	s.md.read(func(m *metadata.State) {
		t := m.Topic(st[0], st[1])
		if t == nil {
			return
		}
		cfg = partitionConfig(t)
		for _, r := range m.PartitionsOnShard(uint32(s.id)) {
			if r.StreamID == st[0] && r.TopicID == st[1] {
				refs = append(refs, r)
			}
		}
	})
	for _, r := range refs {
		if p, ok := s.engine.Partition(keyOf(r)); ok {
			p.SetConfig(cfg)
		}
	}
}

// storageEvents turns storage events into log lines.
func (s *Shard) storageEvents() storage.Events {
	return storage.Events{
		PartitionRecovered: func(i storage.RecoveryInfo) {
			if !i.Clean {
				s.log.WithFields(logrus.Fields{logging.Partition: i.Key.String(), "bytes_scanned": i.BytesScanned, "next_offset": i.NextOffset, logging.Took: i.Took}).Info("partition recovered")
			}
		},
		TailTruncated: func(i storage.TruncateInfo) {
			s.log.WithField("info", fmt.Sprintf("%+v", i)).Warn("torn tail truncated")
		},
		IndexRebuilt: func(i storage.IndexInfo) {
			s.log.WithFields(logrus.Fields{logging.Path: i.Path, "entries": i.Entries, "reason": i.Reason}).Warn("index rebuilt from log")
		},
		PartitionFenced: func(k storage.Key, ce *storage.CorruptionError) {
			s.log.WithFields(logrus.Fields{logging.Partition: k.String(), logging.Path: ce.Path, logging.Offset: ce.Offset, "reason": ce.Reason}).Error("partition fenced: corruption a crash cannot explain; other partitions serve")
		},
		PartitionFailed: func(k storage.Key, err error) {
			s.log.WithError(err).WithField(logging.Partition, k.String()).Error("partition failed: write or fsync error; nothing after it is acknowledged")
		},
		SegmentRolled: func(i storage.SegmentInfo) {
			if s.log.Logger.IsLevelEnabled(logrus.DebugLevel) {
				s.log.WithField("info", fmt.Sprintf("%+v", i)).Debug("segment rolled")
			}
		},
		SegmentDeleted: func(i storage.SegmentInfo) {
			s.log.WithField("info", fmt.Sprintf("%+v", i)).Info("segment deleted")
		},
	}
}

// closeStorage flushes, fsyncs and closes the engine and the backend.
func (s *Shard) closeStorage() (storage.Report, error) {
	if s.engine == nil {
		return storage.Report{}, nil
	}
	rep, err := s.engine.Close()
	if berr := s.backend.Close(); err == nil {
		err = berr
	}
	return rep, err
}
