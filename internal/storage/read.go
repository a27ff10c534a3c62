// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
)

// ReadFrom returns up to count acknowledged messages starting at offset, as
// stored (Iggy message frames back to back), and how many there are. See
// AppendFrom.
func (p *Partition) ReadFrom(offset uint64, count uint32, maxBytes int) (frames []byte, n uint32, err error) {
	return p.AppendFrom(nil, offset, count, maxBytes)
}

// AppendFrom appends to dst up to count acknowledged messages starting at
// offset and returns the extended slice and the number of messages appended.
// An offset below the oldest stored message reads from the oldest one (as
// after retention); an offset at or past the end returns none. maxBytes > 0
// stops before the messages exceed that many bytes, except that the first
// message is returned whatever its size, so a reader always progresses.
//
// It returns only messages whose Append has completed successfully (in fsync
// mode: covered by an fdatasync), checks each message's offset and checksum,
// and never returns a torn or damaged one: damage fences the partition and
// returns an error wrapping ErrPartitionFenced and a *CorruptionError. A
// failed partition stays readable up to its last acknowledged message. The
// returned bytes are the caller's.
func (p *Partition) AppendFrom(dst []byte, offset uint64, count uint32, maxBytes int) ([]byte, uint32, error) {
	p.mu.Lock()
	if err := p.readErrLocked(); err != nil {
		p.mu.Unlock()
		return dst, 0, err
	}
	visible := p.visible
	offset = max(offset, p.firstOffsetLocked())
	if count == 0 || offset >= visible || len(p.segments) == 0 {
		p.mu.Unlock()
		return dst, 0, nil
	}
	end := visible
	if uint64(count) < visible-offset {
		end = offset + uint64(count)
	}
	i := max(sort.Search(len(p.segments), func(i int) bool { return p.segments[i].start > offset })-1, 0)
	var stack [4]segRange
	ranges := stack[:0]
	for ; i < len(p.segments) && p.segments[i].start < end; i++ {
		s := p.segments[i]
		hi := end
		if i+1 < len(p.segments) {
			hi = min(hi, p.segments[i+1].start)
		}
		s.refs++
		ranges = append(ranges, segRange{s: s, lo: max(offset, s.start), hi: hi})
	}
	p.mu.Unlock()
	defer func() {
		for _, r := range ranges {
			p.release(r.s)
		}
	}()

	var n uint32
	budget := maxBytes
	for _, r := range ranges {
		var m uint32
		var err error
		dst, m, budget, err = p.readRange(dst, r, budget, n == 0, maxBytes > 0)
		n += m
		if err != nil {
			return dst, n, err
		}
		if uint64(m) < r.hi-r.lo {
			break // byte budget reached
		}
	}
	return dst, n, nil
}

// segRange is the offsets [lo, hi) of one segment a read covers.
type segRange struct {
	s      *segment
	lo, hi uint64
}

var indexScratch = sync.Pool{New: func() any { return new([]byte) }}

// readRange appends the messages of r to dst, within budget bytes when
// limited (at least one message when first).
func (p *Partition) readRange(dst []byte, r segRange, budget int, first, limited bool) ([]byte, uint32, int, error) {
	s := r.s
	relLo, relHi := r.lo-s.start, r.hi-s.start
	from := relLo
	if relLo > 0 {
		from = relLo - 1 // the previous entry's end is this message's start
	}
	sp := indexScratch.Get().(*[]byte)
	defer indexScratch.Put(sp)
	need := int(relHi-from) * indexEntrySize
	if cap(*sp) < need {
		*sp = make([]byte, need)
	}
	ib := (*sp)[:need]
	if _, err := s.index.ReadAt(ib, int64(from)*indexEntrySize); err != nil && err != io.EOF {
		return dst, 0, budget, fmt.Errorf("read %s: %w", s.indexPath, err)
	}
	var startPos uint32
	if relLo > 0 {
		startPos = indexEnd(ib)
		ib = ib[indexEntrySize:]
	}
	total := uint32(relHi - relLo)
	m := total
	prevEnd := startPos
	for k := uint32(0); k < total; k++ {
		e := ib[k*indexEntrySize:]
		if indexRel(e) != uint32(relLo)+k || indexEnd(e) <= prevEnd {
			return dst, 0, budget, p.fence(&CorruptionError{Path: s.indexPath,
				Offset: int64(from+uint64(k)) * indexEntrySize, Reason: "index entry disagrees with its neighbours"})
		}
		if limited && int(indexEnd(e)-startPos) > budget && !(first && k == 0) {
			m = k
			break
		}
		prevEnd = indexEnd(e)
	}
	if m == 0 {
		return dst, 0, budget, nil
	}
	endPos := indexEnd(ib[(m-1)*indexEntrySize:])
	size := int(endPos - startPos)
	at := len(dst)
	dst = slices.Grow(dst, size)[:at+size]
	if _, err := s.log.ReadAt(dst[at:], int64(startPos)); err != nil && err != io.EOF {
		return dst[:at], 0, budget, fmt.Errorf("read %s: %w", s.logPath, err)
	}
	if bad, why := verifyFrames(dst[at:], r.lo); bad >= 0 {
		return dst[:at], 0, budget, p.fence(&CorruptionError{Path: s.logPath, Offset: int64(startPos) + int64(bad), Reason: why})
	}
	return dst, m, budget - size, nil
}

// readErrLocked returns the error that makes the partition unreadable:
// fenced or closed. A failed partition stays readable.
func (p *Partition) readErrLocked() error {
	if p.err == nil || errors.Is(p.err, ErrPartitionFailed) {
		return nil
	}
	return p.err
}

// fence makes the partition unavailable because of ce and returns the error
// callers see.
func (p *Partition) fence(ce *CorruptionError) error {
	err := fmt.Errorf("partition %s: %w: %w", p.key, ErrPartitionFenced, ce)
	p.mu.Lock()
	first := p.err == nil || errors.Is(p.err, ErrPartitionFailed)
	if first {
		p.err = err
		p.failFrom = 0
		p.failPendingLocked()
		p.cond.Broadcast()
	}
	p.mu.Unlock()
	if first {
		p.e.noteFenced(p.key, ce)
	}
	return err
}

// ReadFromTimestamp returns up to count acknowledged messages starting at
// the first one whose server timestamp (µs) is at least ts. See AppendFrom.
func (p *Partition) ReadFromTimestamp(ts uint64, count uint32, maxBytes int) ([]byte, uint32, error) {
	off, ok, err := p.offsetAtTimestamp(ts)
	if err != nil || !ok {
		return nil, 0, err
	}
	return p.AppendFrom(nil, off, count, maxBytes)
}

// offsetAtTimestamp finds the first acknowledged message with timestamp >=
// ts by binary search over the index of the first segment that can hold it.
func (p *Partition) offsetAtTimestamp(ts uint64) (uint64, bool, error) {
	p.mu.Lock()
	if err := p.readErrLocked(); err != nil {
		p.mu.Unlock()
		return 0, false, err
	}
	visible := p.visible
	i := 0
	for i < len(p.segments) && (p.segments[i].count == 0 || p.segments[i].lastTS < ts) {
		i++
	}
	if i == len(p.segments) || p.segments[i].start >= visible {
		p.mu.Unlock()
		return 0, false, nil
	}
	s := p.segments[i]
	n := min(uint64(s.count), visible-s.start)
	s.refs++
	p.mu.Unlock()
	defer p.release(s)

	var e [indexEntrySize]byte
	var readErr error
	k := sort.Search(int(n), func(k int) bool {
		if readErr != nil {
			return true
		}
		if _, err := s.index.ReadAt(e[:], int64(k)*indexEntrySize); err != nil {
			readErr = fmt.Errorf("read %s: %w", s.indexPath, err)
			return true
		}
		return indexTS(e[:]) >= ts
	})
	if readErr != nil {
		return 0, false, readErr
	}
	if uint64(k) == n {
		// Every visible message of s is older; the next segment starts after them.
		if s.start+n >= visible {
			return 0, false, nil
		}
		return s.start + n, true, nil
	}
	return s.start + uint64(k), true, nil
}
