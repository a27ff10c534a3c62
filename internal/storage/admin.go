// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"riffle/internal/clock"
)

// DeleteSegments deletes up to n of the oldest sealed segments (never the
// active one) and returns how many it deleted. Each deletion is durable
// (directory fsynced) before the next begins, so a crash leaves the newest
// segments, never a gap.
func (p *Partition) DeleteSegments(n int) (int, error) {
	deleted := 0
	for deleted < n {
		ok, err := p.deleteOldest(func(*segment, uint64) string { return "request" })
		if err != nil || !ok {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}

// DeleteConsumedSegments is DeleteSegments that never deletes a message a
// consumer has not consumed: with hasBarrier it stops at the first sealed
// segment whose last offset is above barrier (Iggy 0.8.0's DeleteSegments
// passes the lowest offset any consumer or group stored; Engine.MinOffset).
func (p *Partition) DeleteConsumedSegments(n int, barrier uint64, hasBarrier bool) (int, error) {
	deleted := 0
	for deleted < n {
		ok, err := p.deleteOldest(func(s *segment, _ uint64) string {
			if hasBarrier && s.count > 0 && s.start+uint64(s.count)-1 > barrier {
				return ""
			}
			return "request"
		})
		if err != nil || !ok {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}

// deleteOldest deletes the oldest sealed segment if reason (given the
// segment and the partition's total size) returns a non-empty reason.
func (p *Partition) deleteOldest(reason func(s *segment, total uint64) string) (bool, error) {
	p.mu.Lock()
	if err := p.readErrLocked(); err != nil {
		p.mu.Unlock()
		return false, err
	}
	if len(p.segments) < 2 || p.purging {
		p.mu.Unlock()
		return false, nil
	}
	var total uint64
	for _, s := range p.segments {
		total += uint64(s.size)
	}
	s := p.segments[0]
	why := reason(s, total)
	if why == "" {
		p.mu.Unlock()
		return false, nil
	}
	p.segments[0] = nil
	p.segments = p.segments[1:]
	s.deleted = true
	closeNow := s.refs == 0
	p.mu.Unlock()
	if closeNow {
		s.closeFiles()
	}
	if err := p.removeSegmentFiles(s); err != nil {
		return true, err
	}
	if f := p.e.opts.Events.SegmentDeleted; f != nil {
		f(SegmentInfo{Key: p.key, Start: s.start, Size: s.size, Reason: why})
	}
	return true, nil
}

// removeSegmentFiles unlinks s's log and then its index (an orphan index is
// cleaned up by recovery) and fsyncs the directory.
func (p *Partition) removeSegmentFiles(s *segment) error {
	fsys := p.e.opts.FS
	for _, name := range []string{s.logPath, s.indexPath} {
		if err := fsys.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", name, err)
		}
	}
	if err := fsys.SyncDir(p.dir); err != nil {
		return fmt.Errorf("sync dir %s: %w", p.dir, err)
	}
	return nil
}

// Purge deletes every segment and restarts the partition at offset 0, as
// Iggy's PurgeTopic and PurgeStream do. It waits for the appends in flight,
// holds new ones until it is done, and deletes segments newest first, each
// durably, so a crash in the middle leaves an older, consistent partition.
// Consumer offsets are not touched; call Engine.DropOffsets for that.
func (p *Partition) Purge() error {
	p.mu.Lock()
	if p.err != nil {
		err := p.err
		p.mu.Unlock()
		return err
	}
	if p.purging {
		p.mu.Unlock()
		return fmt.Errorf("purge partition %s: already purging", p.key)
	}
	p.purging = true
	last := p.last
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.purging = false
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	if last != nil {
		if _, _, err := last.Wait(); err != nil {
			return err
		}
	}
	p.mu.Lock()
	for p.ckptBusy { // a write-mode checkpoint of the old segments is in flight
		p.cond.Wait()
	}
	segs := p.segments
	p.segments = nil
	for _, s := range segs {
		s.deleted = true
	}
	p.mu.Unlock()
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		p.mu.Lock()
		closeNow := s.refs == 0
		p.mu.Unlock()
		if closeNow {
			s.closeFiles()
		}
		if err := p.removeSegmentFiles(s); err != nil {
			err = fmt.Errorf("purge partition %s: %w", p.key, err)
			p.fail(err, 0)
			return err
		}
		if f := p.e.opts.Events.SegmentDeleted; f != nil {
			f(SegmentInfo{Key: p.key, Start: s.start, Size: s.size, Reason: "purge"})
		}
	}
	// A checkpoint must never describe the old segment 0 to the new one.
	op := p.e.offsets.recordCheckpoint(p.key, checkpoint{})
	p.e.commit.kick()
	if err := op.Err(); err != nil {
		err = fmt.Errorf("purge partition %s: %w", p.key, err)
		p.fail(err, 0)
		return err
	}
	p.mu.Lock()
	err := p.createFirstSegment(0)
	p.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("purge partition %s: %w", p.key, err)
		p.fail(err, 0)
	}
	return err
}

// RetentionReport summarizes one EnforceRetention pass.
type RetentionReport struct {
	Partitions      int // partitions examined
	SegmentsDeleted int
	BytesDeleted    uint64
	Errors          []error
}

// EnforceRetention deletes, in every open partition, the oldest sealed
// segments whose newest message is older than the partition's MessageExpiry,
// and then the oldest sealed segments while the partition is larger than
// 90 % of its MaxSize. The active segment is never deleted.
func (e *Engine) EnforceRetention() RetentionReport {
	e.mu.Lock()
	parts := make([]*Partition, 0, len(e.parts))
	for _, p := range e.parts {
		parts = append(parts, p)
	}
	e.mu.Unlock()
	now := clock.Micros(e.opts.Clock.Now())
	var rep RetentionReport
	for _, p := range parts {
		rep.Partitions++
		cfg := p.Config()
		for {
			var size int64
			ok, err := p.deleteOldest(func(s *segment, total uint64) string {
				size = s.size
				if cfg.MessageExpiry > 0 && now >= s.lastTS && now-s.lastTS >= uint64(cfg.MessageExpiry/time.Microsecond) {
					return "expiry"
				}
				if cfg.MaxSize > 0 && total > cfg.MaxSize/10*9+cfg.MaxSize%10*9/10 {
					return "max size"
				}
				return ""
			})
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Errorf("retention of %s: %w", p.key, err))
			}
			if !ok || err != nil {
				break
			}
			rep.SegmentsDeleted++
			rep.BytesDeleted += uint64(size)
		}
	}
	return rep
}

// DropPartition closes partition k if it is open (its appends in flight fail
// with ErrClosed), deletes its directory — renamed to a tombstone first, so a
// crash never leaves half a partition — and drops its consumer offsets. A
// partition that does not exist is not an error.
func (e *Engine) DropPartition(k Key) error {
	e.openMu.Lock()
	defer e.openMu.Unlock()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	p := e.parts[k]
	delete(e.parts, k)
	delete(e.fenced, k)
	e.mu.Unlock()
	if p != nil {
		p.discard()
	}
	if err := e.removeTree(partitionDir(e.opts.Dir, k)); err != nil {
		return fmt.Errorf("drop partition %s: %w", k, err)
	}
	e.DropOffsets(k)
	return nil
}

// ClosePartition closes partition k without deleting anything: appends in
// flight are waited for, later ones fail with ErrClosed, and its files are
// closed. OpenPartition may then open it again, recovering from disk; this is
// how a partition failed by an I/O error is brought back without restarting
// the engine. A partition that is not open is not an error.
func (e *Engine) ClosePartition(k Key) error {
	e.openMu.Lock()
	defer e.openMu.Unlock()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	p := e.parts[k]
	delete(e.parts, k)
	e.mu.Unlock()
	if p != nil {
		p.discard()
	}
	return nil
}

// discard closes p for good: appends in flight are waited for, files closed.
func (p *Partition) discard() {
	p.mu.Lock()
	p.closing = true
	last := p.last
	p.mu.Unlock()
	if last != nil {
		last.Wait()
	}
	p.closeWith(ErrClosed)
	p.mu.Lock()
	segs := p.segments
	for _, s := range segs {
		s.deleted = true
	}
	p.mu.Unlock()
	for _, s := range segs {
		p.mu.Lock()
		closeNow := s.refs == 0
		p.mu.Unlock()
		if closeNow {
			s.closeFiles()
		}
	}
}

// DropTopic drops every open partition of the topic and deletes the topic's
// directory.
func (e *Engine) DropTopic(stream, topic uint64) error {
	return e.dropTree(topicDir(e.opts.Dir, stream, topic), func(k Key) bool {
		return k.Stream == stream && k.Topic == topic
	})
}

// DropStream drops every open partition of the stream and deletes the
// stream's directory.
func (e *Engine) DropStream(stream uint64) error {
	return e.dropTree(streamDir(e.opts.Dir, stream), func(k Key) bool { return k.Stream == stream })
}

func (e *Engine) dropTree(dir string, match func(Key) bool) error {
	e.openMu.Lock()
	defer e.openMu.Unlock()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	var victims []*Partition
	for k, p := range e.parts {
		if match(k) {
			victims = append(victims, p)
			delete(e.parts, k)
		}
	}
	for k := range e.fenced {
		if match(k) {
			delete(e.fenced, k)
		}
	}
	e.mu.Unlock()
	for _, p := range victims {
		p.discard()
		e.DropOffsets(p.key)
	}
	if err := e.removeTree(dir); err != nil {
		return fmt.Errorf("drop %s: %w", dir, err)
	}
	return nil
}

// removeTree renames dir to a tombstone in its parent, fsyncs the parent,
// and removes the tombstone. A missing dir is not an error.
func (e *Engine) removeTree(dir string) error {
	fsys := e.opts.FS
	parent := filepath.Dir(dir)
	tomb := filepath.Join(parent, deletedMark+filepath.Base(dir)+"-"+strconv.FormatInt(e.opts.Clock.Now().UnixNano(), 36))
	if err := fsys.Rename(dir, tomb); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("rename %s: %w", dir, err)
	}
	if err := fsys.SyncDir(parent); err != nil {
		return fmt.Errorf("sync dir %s: %w", parent, err)
	}
	if err := fsys.RemoveAll(tomb); err != nil {
		return fmt.Errorf("remove %s: %w", tomb, err)
	}
	return nil
}

// SweepOrphans removes partition directories that keep rejects (deleted
// while the server was down, or left by a crash in the middle of a delete)
// and the tombstones of interrupted deletes. Partitions open on this engine
// are always kept. Call it at start, before serving, from one shard; it
// returns the paths removed.
func (e *Engine) SweepOrphans(keep func(Key) bool) (removed []string, err error) {
	e.openMu.Lock()
	defer e.openMu.Unlock()
	fsys := e.opts.FS
	list := func(dir string) []string {
		names, err := fsys.List(dir)
		if err != nil {
			return nil
		}
		return names
	}
	remove := func(path string) {
		if rerr := fsys.RemoveAll(path); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove %s: %w", path, rerr))
			return
		}
		if rerr := fsys.SyncDir(filepath.Dir(path)); rerr != nil {
			err = errors.Join(err, fmt.Errorf("sync dir %s: %w", filepath.Dir(path), rerr))
		}
		removed = append(removed, path)
	}
	root := filepath.Join(e.opts.Dir, "streams")
	for _, sName := range list(root) {
		if strings.HasPrefix(sName, deletedMark) {
			remove(filepath.Join(root, sName))
			continue
		}
		stream, perr := strconv.ParseUint(sName, 10, 64)
		if perr != nil {
			continue
		}
		tRoot := filepath.Join(root, sName, "topics")
		for _, tName := range list(tRoot) {
			if strings.HasPrefix(tName, deletedMark) {
				remove(filepath.Join(tRoot, tName))
				continue
			}
			topic, perr := strconv.ParseUint(tName, 10, 64)
			if perr != nil {
				continue
			}
			pRoot := filepath.Join(tRoot, tName, "partitions")
			for _, pName := range list(pRoot) {
				if strings.HasPrefix(pName, deletedMark) {
					remove(filepath.Join(pRoot, pName))
					continue
				}
				part, perr := strconv.ParseUint(pName, 10, 64)
				if perr != nil {
					continue
				}
				k := Key{stream, topic, part}
				if _, open := e.Partition(k); open || keep(k) {
					continue
				}
				remove(filepath.Join(pRoot, pName))
			}
		}
	}
	return removed, err
}
