// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/zeebo/xxh3"

	"riffle/internal/clock"
	"riffle/internal/vfs"
)

// Consumer identifies who stored an offset: Kind 1 is a single consumer,
// Kind 2 a consumer group (Iggy's consumer kinds), ID its numeric id.
type Consumer struct {
	Kind uint8
	ID   uint32
}

// Consumer kinds, as on the Iggy wire.
const (
	ConsumerKindConsumer uint8 = 1
	ConsumerKindGroup    uint8 = 2
)

// The offsets log, <Dir>/shards/<shard>/offsets.log, is a 16-byte header
// followed by fixed-size records:
//
//	off size field
//	  0    8 checksum   XXH3-64 of bytes [8, 80)
//	  8    1 type       1 store, 2 delete (tombstone), 3 drop partition,
//	                    4 recovery checkpoint (see checkpoint.go)
//	  9    1 consumer kind
//	 10    2 zero
//	 12    4 consumer id; checkpoint: messages in the segment
//	 16    8 stamp      µs, strictly increasing across the records of one engine
//	 24   24 stream, topic, partition
//	 48    8 offset; checkpoint: segment start offset
//	 56    8 checkpoint: durable log size
//	 64    8 checkpoint: checksum of the message that ends there
//	 72    8 zero
//
// Records ride the committer's rounds: written with the partitions' batches,
// fdatasynced with them (fsync mode), completed with them. The log is
// rewritten (compacted) from memory once it is 4× larger than its live
// records and at least compactMin.
//
// Partitions may move between shards when the shard count changes. The rule:
// for each (partition, consumer) the record with the highest stamp found in
// any shard's offsets log wins, and a drop record removes every older record
// of its partition; the same holds for recovery checkpoints. Open reads the
// other shards' logs once; OpenPartition adopts the winners into this
// shard's log. Stamps are taken from the clock but never go backwards (each
// engine starts above the highest stamp it read).
const (
	offsetsHeaderSize = 16
	offsetsRecordSize = 80

	recStore      = 1
	recDelete     = 2
	recDrop       = 3
	recCheckpoint = 4
)

var offsetsMagic = []byte("RFOFFSET")

// compactMin is the offsets-log size below which it is never compacted.
var compactMin int64 = 1 << 20

type offsetVal struct {
	off     uint64
	stamp   uint64
	deleted bool
}

// partOffsets is what the offsets logs say about one partition.
type partOffsets struct {
	consumers map[Consumer]offsetVal
	dropped   uint64     // stamp of the newest drop record, 0 if none
	ckpt      checkpoint // newest recovery checkpoint (stamp 0: none)
}

type offsetRecord struct {
	typ   uint8
	c     Consumer
	stamp uint64
	k     Key
	off   uint64
	size  uint64 // checkpoint only
	sum   uint64 // checkpoint only
}

func appendOffsetRecord(b []byte, r offsetRecord) []byte {
	start := len(b)
	b = append(b, make([]byte, offsetsRecordSize)...)
	rec := b[start:]
	rec[8] = r.typ
	rec[9] = r.c.Kind
	binary.LittleEndian.PutUint32(rec[12:], r.c.ID)
	binary.LittleEndian.PutUint64(rec[16:], r.stamp)
	binary.LittleEndian.PutUint64(rec[24:], r.k.Stream)
	binary.LittleEndian.PutUint64(rec[32:], r.k.Topic)
	binary.LittleEndian.PutUint64(rec[40:], r.k.Partition)
	binary.LittleEndian.PutUint64(rec[48:], r.off)
	binary.LittleEndian.PutUint64(rec[56:], r.size)
	binary.LittleEndian.PutUint64(rec[64:], r.sum)
	binary.LittleEndian.PutUint64(rec[0:], xxh3.Hash(rec[8:offsetsRecordSize]))
	return b
}

func decodeOffsetRecord(rec []byte) (offsetRecord, bool) {
	if binary.LittleEndian.Uint64(rec[0:]) != xxh3.Hash(rec[8:offsetsRecordSize]) {
		return offsetRecord{}, false
	}
	r := offsetRecord{typ: rec[8], c: Consumer{Kind: rec[9], ID: binary.LittleEndian.Uint32(rec[12:])},
		stamp: binary.LittleEndian.Uint64(rec[16:]),
		k:     Key{binary.LittleEndian.Uint64(rec[24:]), binary.LittleEndian.Uint64(rec[32:]), binary.LittleEndian.Uint64(rec[40:])},
		off:   binary.LittleEndian.Uint64(rec[48:]),
		size:  binary.LittleEndian.Uint64(rec[56:]),
		sum:   binary.LittleEndian.Uint64(rec[64:])}
	if r.typ < recStore || r.typ > recCheckpoint {
		return offsetRecord{}, false
	}
	return r, true
}

func offsetsHeader() []byte {
	h := make([]byte, offsetsHeaderSize)
	copy(h, offsetsMagic)
	binary.LittleEndian.PutUint32(h[8:], 1)
	return h
}

// parseOffsets applies the valid records of b to m and returns the end of
// the last valid one (0 if the header is bad) and the highest stamp seen.
func parseOffsets(b []byte, m map[Key]*partOffsets) (end int64, maxStamp uint64) {
	if len(b) < offsetsHeaderSize || !bytes.Equal(b[:offsetsHeaderSize], offsetsHeader()) {
		return 0, 0
	}
	pos := offsetsHeaderSize
	for ; pos+offsetsRecordSize <= len(b); pos += offsetsRecordSize {
		r, ok := decodeOffsetRecord(b[pos : pos+offsetsRecordSize])
		if !ok {
			break
		}
		maxStamp = max(maxStamp, r.stamp)
		po := m[r.k]
		if po == nil {
			po = &partOffsets{consumers: map[Consumer]offsetVal{}}
			m[r.k] = po
		}
		switch r.typ {
		case recDrop:
			po.dropped = max(po.dropped, r.stamp)
		case recCheckpoint:
			if r.stamp > po.ckpt.stamp {
				po.ckpt = checkpointOf(r)
			}
		default:
			if cur, ok := po.consumers[r.c]; !ok || cur.stamp < r.stamp {
				po.consumers[r.c] = offsetVal{off: r.off, stamp: r.stamp, deleted: r.typ == recDelete}
			}
		}
	}
	for _, po := range m {
		po.applyDrop()
	}
	return int64(pos), maxStamp
}

// applyDrop forgets everything older than the newest drop record.
func (po *partOffsets) applyDrop() {
	for c, v := range po.consumers {
		if v.stamp < po.dropped {
			delete(po.consumers, c)
		}
	}
	if po.ckpt.stamp < po.dropped {
		po.ckpt = checkpoint{}
	}
}

// offsetsLog is one engine's consumer-offsets store; it also keeps the
// partitions' recovery checkpoints.
type offsetsLog struct {
	e    *Engine
	path string

	mu      sync.Mutex
	file    vfs.File
	size    int64 // file size once every taken record is written
	pending []byte
	spare   []byte
	waiters []*vfs.Op
	parts   map[Key]*partOffsets
	foreign map[Key]*partOffsets // other shards' logs, read at Open
	stamp   uint64
	records int // records in the file
	err     error
	closed  bool
}

// offsetsBatch is the offsets share of a committer round.
type offsetsBatch struct {
	file    vfs.File
	buf     []byte
	pos     int64
	waiters []*vfs.Op
	op      *vfs.Op
	err     error
}

func (b *offsetsBatch) empty() bool { return b.file == nil }

// openOffsets recovers this shard's offsets log (cutting a torn tail) and
// reads the other shards' logs.
func openOffsets(e *Engine) (*offsetsLog, error) {
	fsys := e.opts.FS
	o := &offsetsLog{e: e, path: filepath.Join(shardDir(e.opts.Dir, e.opts.Shard), offsetsName),
		parts: map[Key]*partOffsets{}, foreign: map[Key]*partOffsets{}}
	b, err := readFile(fsys, o.path)
	switch {
	case err == nil:
		end, stamp := parseOffsets(b, o.parts)
		o.stamp = stamp
		if end == 0 {
			if err := o.create(); err != nil {
				return nil, err
			}
			end = offsetsHeaderSize
		} else {
			if o.file, err = fsys.OpenReadWrite(o.path); err != nil {
				return nil, fmt.Errorf("open %s: %w", o.path, err)
			}
		}
		if end < int64(len(b)) {
			if err := o.file.Truncate(end); err != nil {
				return nil, fmt.Errorf("truncate %s: %w", o.path, err)
			}
			if err := o.file.Sync(); err != nil {
				return nil, fmt.Errorf("sync %s: %w", o.path, err)
			}
			if f := e.opts.Events.TailTruncated; f != nil {
				f(TruncateInfo{Path: o.path, Offset: end, Bytes: int64(len(b)) - end, Reason: "torn offsets record"})
			}
		}
		o.size = end
		o.records = int(end-offsetsHeaderSize) / offsetsRecordSize
	case errors.Is(err, fs.ErrNotExist):
		if err := o.create(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("read %s: %w", o.path, err)
	}

	shards, err := fsys.List(filepath.Join(e.opts.Dir, "shards"))
	if err != nil {
		return nil, fmt.Errorf("list shards: %w", err)
	}
	for _, name := range shards {
		if id, err := strconv.Atoi(name); err != nil || id == e.opts.Shard {
			continue
		}
		b, err := readFile(fsys, filepath.Join(e.opts.Dir, "shards", name, offsetsName))
		if err != nil {
			continue // a shard that never stored an offset, or one being rewritten: nothing to adopt
		}
		_, stamp := parseOffsets(b, o.foreign)
		o.stamp = max(o.stamp, stamp)
	}
	return o, nil
}

// create writes a new log holding only the header, durably.
func (o *offsetsLog) create() error {
	if err := writeFileDurable(o.e.opts.FS, o.path, offsetsHeader()); err != nil {
		return err
	}
	f, err := o.e.opts.FS.OpenReadWrite(o.path)
	if err != nil {
		return fmt.Errorf("open %s: %w", o.path, err)
	}
	o.file, o.size, o.records = f, offsetsHeaderSize, 0
	return nil
}

func (o *offsetsLog) nextStampLocked() uint64 {
	o.stamp = max(clock.Micros(o.e.opts.Clock.Now()), o.stamp+1)
	return o.stamp
}

func (o *offsetsLog) partLocked(k Key) *partOffsets {
	po := o.parts[k]
	if po == nil {
		po = &partOffsets{consumers: map[Consumer]offsetVal{}}
		o.parts[k] = po
	}
	return po
}

// appendLocked queues a record and returns its completion.
func (o *offsetsLog) appendLocked(r offsetRecord) *vfs.Op {
	if o.err != nil {
		return vfs.DoneOp(0, o.err)
	}
	if o.closed {
		return vfs.DoneOp(0, ErrClosed)
	}
	o.pending = appendOffsetRecord(o.pending, r)
	op := vfs.NewOp()
	o.waiters = append(o.waiters, op)
	return op
}

// take hands the queued records to the committer.
func (o *offsetsLog) take() offsetsBatch {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) == 0 || o.err != nil {
		return offsetsBatch{}
	}
	b := offsetsBatch{file: o.file, buf: o.pending, pos: o.size, waiters: o.waiters}
	o.size += int64(len(o.pending))
	o.records += len(o.pending) / offsetsRecordSize
	o.pending, o.spare = o.spare[:0], nil
	o.waiters = nil
	return b
}

// complete finishes the waiters of a batch the committer is done with.
func (o *offsetsLog) complete(b *offsetsBatch) {
	o.mu.Lock()
	err := b.err
	if o.err != nil {
		err = o.err
	}
	if o.spare == nil {
		o.spare = b.buf[:0]
	}
	o.mu.Unlock()
	for _, w := range b.waiters {
		w.Complete(0, err)
	}
}

// fail stops the log: queued and later records fail with ErrOffsetsFailed.
func (o *offsetsLog) fail(cause error) {
	o.mu.Lock()
	if o.err == nil {
		o.err = fmt.Errorf("%w: %w", ErrOffsetsFailed, cause)
	}
	waiters := o.waiters
	o.waiters, o.pending = nil, o.pending[:0]
	err := o.err
	o.mu.Unlock()
	for _, w := range waiters {
		w.Complete(0, err)
	}
}

// needsCompaction reports whether the file is large and mostly dead.
func (o *offsetsLog) needsCompaction() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err == nil && o.size >= compactMin && o.records > 4*o.liveLocked()
}

func (o *offsetsLog) liveLocked() int {
	n := 0
	for _, po := range o.parts {
		n += len(po.consumers)
		if po.dropped != 0 {
			n++
		}
		if po.ckpt.stamp != 0 {
			n++
		}
	}
	return n
}

// compact rewrites the log from memory. The committer calls it with no
// offsets write or sync in flight.
func (o *offsetsLog) compact() {
	o.mu.Lock()
	buf := offsetsHeader()
	for k, po := range o.parts {
		if po.dropped != 0 {
			buf = appendOffsetRecord(buf, offsetRecord{typ: recDrop, stamp: po.dropped, k: k})
		}
		if po.ckpt.stamp != 0 {
			buf = appendOffsetRecord(buf, po.ckpt.record(k))
		}
		for c, v := range po.consumers {
			typ := uint8(recStore)
			if v.deleted {
				typ = recDelete
			}
			buf = appendOffsetRecord(buf, offsetRecord{typ: typ, c: c, stamp: v.stamp, k: k, off: v.off})
		}
	}
	before := o.size
	o.mu.Unlock()

	fsys := o.e.opts.FS
	if err := writeFileDurable(fsys, o.path, buf); err != nil {
		o.fail(fmt.Errorf("compact %s: %w", o.path, err))
		return
	}
	f, err := fsys.OpenReadWrite(o.path)
	if err != nil {
		o.fail(fmt.Errorf("compact %s: %w", o.path, err))
		return
	}
	o.mu.Lock()
	old := o.file
	o.file, o.size = f, int64(len(buf))
	o.records = (len(buf) - offsetsHeaderSize) / offsetsRecordSize
	o.mu.Unlock()
	old.Close()
	if ev := o.e.opts.Events.OffsetsCompacted; ev != nil {
		ev(CompactInfo{Path: o.path, Records: (len(buf) - offsetsHeaderSize) / offsetsRecordSize,
			BytesBefore: before, BytesAfter: int64(len(buf))})
	}
}

// adopt reconciles partition k with the other shards' logs and clamps its
// stored offsets to the partition's current offset. It runs when a partition
// is opened.
func (o *offsetsLog) adopt(k Key, current uint64, empty bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	own := o.partLocked(k)
	if f := o.foreign[k]; f != nil {
		if f.dropped > own.dropped {
			own.dropped = f.dropped
			o.appendLocked(offsetRecord{typ: recDrop, stamp: f.dropped, k: k})
			own.applyDrop()
		}
		if f.ckpt.stamp > own.ckpt.stamp && f.ckpt.stamp >= own.dropped {
			own.ckpt = f.ckpt
			o.appendLocked(f.ckpt.record(k))
		}
		for c, v := range f.consumers {
			if cur, ok := own.consumers[c]; (ok && cur.stamp >= v.stamp) || v.stamp < own.dropped {
				continue
			}
			own.consumers[c] = v
			typ := uint8(recStore)
			if v.deleted {
				typ = recDelete
			}
			o.appendLocked(offsetRecord{typ: typ, c: c, stamp: v.stamp, k: k, off: v.off})
		}
		delete(o.foreign, k)
	}
	if empty {
		return
	}
	for c, v := range own.consumers {
		if !v.deleted && v.off > current {
			v.off, v.stamp = current, o.nextStampLocked()
			own.consumers[c] = v
			o.appendLocked(offsetRecord{typ: recStore, c: c, stamp: v.stamp, k: k, off: v.off})
		}
	}
}

// StoreOffset records that consumer c of partition k has consumed up to
// offset off. The new value is visible to Offset at once; the returned
// completion is done when the record is as durable as the engine's
// Durability (it rides the same group commit as appends). Its error wraps
// ErrOffsetsFailed after a write or fsync error of the offsets log, or is
// ErrClosed.
func (e *Engine) StoreOffset(k Key, c Consumer, off uint64) *vfs.Op {
	o := e.offsets
	o.mu.Lock()
	if o.err != nil || o.closed {
		op := o.appendLocked(offsetRecord{})
		o.mu.Unlock()
		return op
	}
	stamp := o.nextStampLocked()
	o.partLocked(k).consumers[c] = offsetVal{off: off, stamp: stamp}
	op := o.appendLocked(offsetRecord{typ: recStore, c: c, stamp: stamp, k: k, off: off})
	o.mu.Unlock()
	e.commit.kick()
	return op
}

// Offset returns the offset stored for consumer c of partition k.
func (e *Engine) Offset(k Key, c Consumer) (uint64, bool) {
	o := e.offsets
	o.mu.Lock()
	defer o.mu.Unlock()
	if po := o.parts[k]; po != nil {
		if v, ok := po.consumers[c]; ok && !v.deleted {
			return v.off, true
		}
	}
	return 0, false
}

// MinOffset returns the lowest offset any consumer or consumer group stored
// for partition k, and false when none stored one.
func (e *Engine) MinOffset(k Key) (uint64, bool) {
	o := e.offsets
	o.mu.Lock()
	defer o.mu.Unlock()
	po := o.parts[k]
	if po == nil {
		return 0, false
	}
	var min uint64
	found := false
	for _, v := range po.consumers {
		if !v.deleted && (!found || v.off < min) {
			min, found = v.off, true
		}
	}
	return min, found
}

// DeleteOffset removes the offset stored for consumer c of partition k and
// waits until the removal is durable. It reports whether there was one.
func (e *Engine) DeleteOffset(k Key, c Consumer) (bool, error) {
	o := e.offsets
	o.mu.Lock()
	po := o.parts[k]
	if po == nil {
		o.mu.Unlock()
		return false, nil
	}
	if v, ok := po.consumers[c]; !ok || v.deleted {
		o.mu.Unlock()
		return false, nil
	}
	if o.err != nil || o.closed {
		op := o.appendLocked(offsetRecord{})
		o.mu.Unlock()
		return false, op.Err()
	}
	stamp := o.nextStampLocked()
	po.consumers[c] = offsetVal{stamp: stamp, deleted: true}
	op := o.appendLocked(offsetRecord{typ: recDelete, c: c, stamp: stamp, k: k})
	o.mu.Unlock()
	e.commit.kick()
	if err := op.Err(); err != nil {
		return true, fmt.Errorf("delete offset of %s: %w", k, err)
	}
	return true, nil
}

// DropOffsets forgets every offset stored for partition k (call it when the
// partition is purged; DropPartition calls it itself). The returned
// completion is done when the drop is durable.
func (e *Engine) DropOffsets(k Key) *vfs.Op {
	o := e.offsets
	o.mu.Lock()
	if o.err != nil || o.closed {
		op := o.appendLocked(offsetRecord{})
		o.mu.Unlock()
		return op
	}
	stamp := o.nextStampLocked()
	o.parts[k] = &partOffsets{consumers: map[Consumer]offsetVal{}, dropped: stamp}
	delete(o.foreign, k)
	op := o.appendLocked(offsetRecord{typ: recDrop, stamp: stamp, k: k})
	o.mu.Unlock()
	e.commit.kick()
	return op
}
