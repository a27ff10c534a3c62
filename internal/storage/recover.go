// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"

	"riffle/internal/protocol"
	"riffle/internal/vfs"
)

// Recovery of one partition directory (OpenPartition of an existing one):
//
//  1. List the segment files. An index without its log is removed (the log
//     is the truth); a log without its index gets an empty one to rebuild.
//  2. Every segment but the last is sealed: it was fdatasynced, log and
//     index, before the next one was created. A cheap check (index length =
//     16 × messages implied by the next segment's start, first and last
//     entries consistent with the log size) trusts it; otherwise its log is
//     scanned and must hold exactly those messages, all valid, to the last
//     byte — the index is then rewritten. Anything else is damage a crash
//     cannot cause: the partition is fenced with a *CorruptionError.
//  3. The last segment is the active one. If this shard's clean-shutdown
//     marker describes it exactly (sizes, and the last message's offset and
//     checksum), nothing is scanned. Otherwise its log is scanned from the
//     start: the first message that is cut short, implausibly long, carries
//     the wrong offset or fails its checksum ends the valid prefix; the rest
//     is a torn tail, truncated on disk; the log is fdatasynced either way,
//     since what survived becomes readable. The index is compared
//     with the entries derived from the valid prefix and rewritten if it
//     differs (short, misaligned, ahead of the log, or wrong).
//  4. The next offset follows the last valid message, so an acknowledged
//     offset (always inside the valid prefix in fsync mode) is never reused.

type segFiles struct{ log, index bool }

// recoverPartition opens the segments of an existing partition directory.
// On error every file it opened is closed again.
func (e *Engine) recoverPartition(p *Partition, clean *cleanEntry, info *RecoveryInfo) (err error) {
	fsys := e.opts.FS
	names, err := fsys.List(p.dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", p.dir, err)
	}
	found := map[uint64]*segFiles{}
	for _, name := range names {
		start, ext, ok := parseSegmentName(name)
		if !ok {
			continue
		}
		f := found[start]
		if f == nil {
			f = &segFiles{}
			found[start] = f
		}
		if ext == logExt {
			f.log = true
		} else {
			f.index = true
		}
	}
	dirChanged := false
	var starts []uint64
	for start, f := range found {
		if !f.log {
			_, idx := p.segmentPaths(start)
			if err := fsys.Remove(idx); err != nil {
				return fmt.Errorf("remove orphan index %s: %w", idx, err)
			}
			dirChanged = true
			continue
		}
		starts = append(starts, start)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	defer func() {
		if err != nil {
			for _, s := range p.segments {
				s.closeFiles()
			}
			p.segments = nil
		}
	}()
	if len(starts) == 0 {
		return p.createFirstSegment(0)
	}
	for i, start := range starts {
		s := &segment{start: start}
		s.logPath, s.indexPath = p.segmentPaths(start)
		if !found[start].index {
			f, err := fsys.Create(s.indexPath)
			if err != nil {
				return fmt.Errorf("create %s: %w", s.indexPath, err)
			}
			f.Close()
			dirChanged = true
		}
		if i+1 < len(starts) {
			err = e.recoverSealed(p, s, starts[i+1], info)
		} else {
			err = e.recoverActive(p, s, clean, info)
		}
		if s.created() {
			p.segments = append(p.segments, s)
		}
		if err != nil {
			return err
		}
		p.lastTS = max(p.lastTS, s.lastTS)
	}
	if dirChanged {
		if err := fsys.SyncDir(p.dir); err != nil {
			return fmt.Errorf("sync dir %s: %w", p.dir, err)
		}
	}
	active := p.segments[len(p.segments)-1]
	p.tail = active
	p.next = active.start + uint64(active.count)
	p.visible = p.next
	info.Segments = len(p.segments)
	info.NextOffset = p.next
	return nil
}

// createFirstSegment creates the files of an empty partition whose first
// offset is start, durably.
func (p *Partition) createFirstSegment(start uint64) error {
	s := &segment{start: start}
	s.logPath, s.indexPath = p.segmentPaths(start)
	if err := createSegmentFiles(p.e.opts.FS, s); err != nil {
		return err
	}
	if err := p.e.opts.FS.SyncDir(p.dir); err != nil {
		s.closeFiles()
		return fmt.Errorf("sync dir %s: %w", p.dir, err)
	}
	p.segments = []*segment{s}
	p.tail = s
	p.next, p.visible = start, start
	return nil
}

// createSegmentFiles creates empty log and index files for s.
func createSegmentFiles(fsys vfs.FS, s *segment) error {
	log, err := fsys.Create(s.logPath)
	if err != nil {
		return fmt.Errorf("create %s: %w", s.logPath, err)
	}
	index, err := fsys.Create(s.indexPath)
	if err != nil {
		log.Close()
		return fmt.Errorf("create %s: %w", s.indexPath, err)
	}
	s.log, s.index = log, index
	return nil
}

func (e *Engine) openSegmentFiles(s *segment) (logSize, idxSize int64, err error) {
	fsys := e.opts.FS
	if s.log, err = fsys.OpenReadWrite(s.logPath); err != nil {
		return 0, 0, fmt.Errorf("open %s: %w", s.logPath, err)
	}
	if s.index, err = fsys.OpenReadWrite(s.indexPath); err != nil {
		s.log.Close()
		s.log = nil
		return 0, 0, fmt.Errorf("open %s: %w", s.indexPath, err)
	}
	if logSize, err = s.log.Size(); err != nil {
		return 0, 0, fmt.Errorf("stat %s: %w", s.logPath, err)
	}
	if idxSize, err = s.index.Size(); err != nil {
		return 0, 0, fmt.Errorf("stat %s: %w", s.indexPath, err)
	}
	return logSize, idxSize, nil
}

func readEntry(f vfs.File, k uint64) ([]byte, error) {
	e := make([]byte, indexEntrySize)
	if _, err := f.ReadAt(e, int64(k)*indexEntrySize); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	return e, nil
}

// recoverSealed checks (and if needed rebuilds the index of) a segment that
// must hold exactly the messages [s.start, nextStart).
func (e *Engine) recoverSealed(p *Partition, s *segment, nextStart uint64, info *RecoveryInfo) error {
	logSize, idxSize, err := e.openSegmentFiles(s)
	if err != nil {
		return err
	}
	want := nextStart - s.start
	if want > math.MaxUint32 || logSize > math.MaxUint32 {
		return p.corrupt(s.logPath, 0, fmt.Sprintf("sealed segment spans %d messages, %d bytes", want, logSize))
	}
	s.size, s.count = logSize, uint32(want)
	if idxSize == int64(want)*indexEntrySize {
		first, err := readEntry(s.index, 0)
		if err != nil {
			return err
		}
		last, err := readEntry(s.index, want-1)
		if err != nil {
			return err
		}
		if indexRel(first) == 0 && indexEnd(first) > 0 && indexRel(last) == uint32(want-1) &&
			int64(indexEnd(last)) == logSize {
			s.firstTS, s.lastTS = indexTS(first), indexTS(last)
			return nil
		}
	}
	entries := make([]byte, 0, want*indexEntrySize)
	res, err := scanLog(s.log, 0, logSize, s.start, func(end int64, ts, _ uint64) {
		entries = appendEntry(entries, s.start, s.start+uint64(len(entries)/indexEntrySize), end, ts)
	})
	info.BytesScanned += res.end
	if err != nil {
		return err
	}
	if res.end != logSize || uint64(res.count) != want {
		why := res.reason
		if why == "" {
			why = fmt.Sprintf("holds %d messages, the next segment starts %d later", res.count, want)
		}
		return p.corrupt(s.logPath, res.end, "sealed segment: "+why)
	}
	if err := rewriteIndex(s, entries); err != nil {
		return err
	}
	s.firstTS, s.lastTS = indexTS(entries), indexTS(entries[len(entries)-indexEntrySize:])
	if f := e.opts.Events.IndexRebuilt; f != nil {
		f(IndexInfo{Key: p.key, Path: s.indexPath, Entries: int(want), Reason: "sealed index inconsistent with its log"})
	}
	return nil
}

func appendEntry(b []byte, start, off uint64, end int64, ts uint64) []byte {
	b = growBytes(b, indexEntrySize)
	putIndexEntry(b[len(b)-indexEntrySize:], uint32(off-start), uint32(end), ts)
	return b
}

// rewriteIndex replaces s's index with entries, durably.
func rewriteIndex(s *segment, entries []byte) error { return rewriteIndexFrom(s, 0, entries) }

// rewriteIndexFrom replaces s's index from byte base on with entries, durably.
func rewriteIndexFrom(s *segment, base int64, entries []byte) error {
	if len(entries) > 0 {
		if _, err := s.index.WriteAt(entries, base); err != nil {
			return fmt.Errorf("rewrite %s: %w", s.indexPath, err)
		}
	}
	if err := s.index.Truncate(base + int64(len(entries))); err != nil {
		return fmt.Errorf("truncate %s: %w", s.indexPath, err)
	}
	if err := s.index.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", s.indexPath, err)
	}
	return nil
}

// recoverActive opens the last segment, trusting it when the clean marker
// vouches for it and otherwise scanning it and cutting its torn tail.
func (e *Engine) recoverActive(p *Partition, s *segment, clean *cleanEntry, info *RecoveryInfo) error {
	logSize, idxSize, err := e.openSegmentFiles(s)
	if err != nil {
		return err
	}
	if clean != nil && clean.start == s.start && clean.logSize == logSize && clean.idxSize == idxSize {
		ok, err := e.checkCleanTail(s, logSize, idxSize, clean.lastSum)
		if err != nil {
			return err
		}
		if ok {
			info.Clean = true
			s.size, s.count = logSize, uint32(idxSize/indexEntrySize)
			if s.count > 0 {
				first, err := readEntry(s.index, 0)
				if err != nil {
					return err
				}
				last, err := readEntry(s.index, uint64(s.count)-1)
				if err != nil {
					return err
				}
				s.firstTS, s.lastTS = indexTS(first), indexTS(last)
			}
			return nil
		}
	}

	// Scan from the newest checkpoint of this segment if it verifies.
	var from int64
	var n0 uint32
	ck, have := e.offsets.checkpointFor(p.key)
	have = have && ck.start == s.start && logSize >= ck.size
	if have {
		ok, err := verifyCheckpoint(s, ck)
		if err != nil {
			return err
		}
		if ok {
			from, n0 = ck.size, ck.count
		}
	}
	var entries []byte
	ckSeen := false
	res, err := scanLog(s.log, from, logSize, s.start+uint64(n0), func(end int64, ts, sum uint64) {
		entries = appendEntry(entries, s.start, s.start+uint64(n0)+uint64(len(entries)/indexEntrySize), end, ts)
		if end == ck.size && sum == ck.lastSum {
			ckSeen = true
		}
	})
	info.BytesScanned += res.end - from
	if err != nil {
		return err
	}
	if have && from == 0 && !ckSeen {
		why := res.reason
		if why == "" {
			why = "no message ends there"
		}
		return p.corrupt(s.logPath, res.end, fmt.Sprintf("active segment damaged before its durable size %d: %s", ck.size, why))
	}
	if res.end < logSize {
		if err := s.log.Truncate(res.end); err != nil {
			return fmt.Errorf("truncate %s: %w", s.logPath, err)
		}
	}
	// What survived the crash may still be only in the page cache (after a
	// process crash). It becomes readable now, so make it durable first: a
	// consumer must never see a message that a later power loss takes back.
	if err := s.log.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", s.logPath, err)
	}
	if res.end < logSize {
		if f := e.opts.Events.TailTruncated; f != nil {
			f(TruncateInfo{Key: p.key, Path: s.logPath, Offset: res.end, Bytes: logSize - res.end, Reason: res.reason})
		}
	}
	s.size, s.count = res.end, n0+res.count
	if s.count > 0 {
		first, err := readEntry(s.index, 0)
		if err != nil {
			return err
		}
		s.firstTS, s.lastTS = indexTS(first), res.lastTS
		if n0 > 0 {
			if res.count == 0 {
				last, err := readEntry(s.index, uint64(n0)-1)
				if err != nil {
					return err
				}
				s.lastTS = indexTS(last)
			}
		} else {
			s.firstTS = indexTS(entries)
		}
	}

	// The index entries below n0 were verified; compare the rest.
	base := int64(n0) * indexEntrySize
	old := make([]byte, max(idxSize-base, 0))
	if _, err := s.index.ReadAt(old, base); err != nil && err != io.EOF {
		return fmt.Errorf("read %s: %w", s.indexPath, err)
	}
	if bytes.Equal(old, entries) {
		return nil
	}
	why := "index entries disagree with the log"
	switch {
	case idxSize%indexEntrySize != 0:
		why = "index size is not a multiple of the entry size"
	case idxSize < base+int64(len(entries)):
		why = "index is behind the log"
	case idxSize > base+int64(len(entries)):
		why = "index is ahead of the log"
	}
	if err := rewriteIndexFrom(s, base, entries); err != nil {
		return err
	}
	if f := e.opts.Events.IndexRebuilt; f != nil {
		f(IndexInfo{Key: p.key, Path: s.indexPath, Entries: int(s.count), Reason: why})
	}
	return nil
}

// checkCleanTail verifies that the last message the index names ends the
// log and is the one the clean marker recorded.
func (e *Engine) checkCleanTail(s *segment, logSize, idxSize int64, lastSum uint64) (bool, error) {
	if idxSize%indexEntrySize != 0 {
		return false, nil
	}
	n := uint64(idxSize / indexEntrySize)
	if n == 0 {
		return logSize == 0, nil
	}
	last, err := readEntry(s.index, n-1)
	if err != nil {
		return false, err
	}
	var start uint32
	if n > 1 {
		prev, err := readEntry(s.index, n-2)
		if err != nil {
			return false, err
		}
		start = indexEnd(prev)
	}
	if indexRel(last) != uint32(n-1) || int64(indexEnd(last)) != logSize || start >= indexEnd(last) {
		return false, nil
	}
	frame := make([]byte, indexEnd(last)-start)
	if _, err := s.log.ReadAt(frame, int64(start)); err != nil && err != io.EOF {
		return false, fmt.Errorf("read %s: %w", s.logPath, err)
	}
	if protocol.MessageFrameSize(frame) != len(frame) {
		return false, nil
	}
	return protocol.MessageOffset(frame) == s.start+n-1 && protocol.MessageChecksum(frame) == lastSum &&
		protocol.ComputeMessageChecksum(frame) == lastSum, nil
}

// corrupt builds the fencing error for damage at path:offset.
func (p *Partition) corrupt(path string, offset int64, reason string) error {
	return &CorruptionError{Path: path, Offset: offset, Reason: reason}
}
