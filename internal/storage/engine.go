// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"riffle/internal/vfs"
)

// Engine is the storage of one shard: the partitions it has open, their
// group commit, and its consumer-offsets log. It is safe for concurrent use.
type Engine struct {
	opts    Options
	io      vfs.Backend
	ownIO   bool
	commit  *committer
	offsets *offsetsLog
	clean   map[Key]cleanEntry // from the clean marker found at Open
	crashed bool               // no clean marker was found at Open

	openMu sync.Mutex // serializes OpenPartition, Drop*, SweepOrphans

	mu     sync.Mutex
	parts  map[Key]*Partition
	fenced map[Key]*CorruptionError
	closed bool
}

// Open opens (creating if needed) the data directory opts.Dir for shard
// opts.Shard: it checks or writes the format version file, reads and durably
// removes this shard's clean-shutdown marker (so a crash from now on is
// detected), recovers the offsets log, and starts the committer. Partitions
// are opened one by one with OpenPartition.
func Open(opts Options) (*Engine, error) {
	if err := opts.ensureDefaults(); err != nil {
		return nil, err
	}
	fsys := opts.FS
	if err := mkdirDurable(fsys, opts.Dir); err != nil {
		return nil, err
	}
	if err := checkFormat(fsys, opts.Dir, opts.Shard); err != nil {
		return nil, err
	}
	sdir := shardDir(opts.Dir, opts.Shard)
	if err := mkdirDurable(fsys, sdir); err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, io: opts.IO, parts: map[Key]*Partition{}, fenced: map[Key]*CorruptionError{}}
	marker := filepath.Join(sdir, cleanName)
	b, err := readFile(fsys, marker)
	switch {
	case err == nil:
		e.clean = decodeClean(b)
		if err := fsys.Remove(marker); err != nil {
			return nil, fmt.Errorf("remove %s: %w", marker, err)
		}
		if err := fsys.SyncDir(sdir); err != nil {
			return nil, fmt.Errorf("sync dir %s: %w", sdir, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		e.crashed = true
	default:
		return nil, fmt.Errorf("read %s: %w", marker, err)
	}
	if e.offsets, err = openOffsets(e); err != nil {
		return nil, err
	}
	if e.io == nil {
		e.io = vfs.NewSync(0)
		e.ownIO = true
	}
	e.commit = newCommitter(e)
	return e, nil
}

// Crashed reports whether Open found no clean-shutdown marker: the previous
// run of this shard crashed (or this is its first run).
func (e *Engine) Crashed() bool { return e.crashed }

// OpenPartition opens partition k, creating its directory and first segment
// if it does not exist, or recovering it (see the package documentation) if
// it does, and reconciles its consumer offsets. A partition whose files hold
// damage a crash cannot explain is fenced: the error wraps both
// ErrPartitionFenced and a *CorruptionError naming the file and byte, the
// partition stays closed, and other partitions are unaffected. It returns
// ErrPartitionOpen if k is already open.
func (e *Engine) OpenPartition(k Key, cfg PartitionConfig) (*Partition, error) {
	e.openMu.Lock()
	defer e.openMu.Unlock()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	if _, ok := e.parts[k]; ok {
		e.mu.Unlock()
		return nil, fmt.Errorf("open partition %s: %w", k, ErrPartitionOpen)
	}
	e.mu.Unlock()

	started := e.opts.Clock.Now()
	dir := partitionDir(e.opts.Dir, k)
	p := newPartition(e, k, dir, cfg)
	_, statErr := e.opts.FS.Stat(dir)
	switch {
	case statErr == nil:
		info := RecoveryInfo{Key: k}
		var clean *cleanEntry
		if c, ok := e.clean[k]; ok {
			clean = &c
		}
		if err := e.recoverPartition(p, clean, &info); err != nil {
			var ce *CorruptionError
			if errors.As(err, &ce) {
				e.noteFenced(k, ce)
				return nil, fmt.Errorf("open partition %s: %w: %w", k, ErrPartitionFenced, ce)
			}
			return nil, fmt.Errorf("open partition %s: %w", k, err)
		}
		info.Took = e.opts.Clock.Now().Sub(started)
		if f := e.opts.Events.PartitionRecovered; f != nil {
			f(info)
		}
	case errors.Is(statErr, fs.ErrNotExist):
		if err := mkdirDurable(e.opts.FS, dir); err != nil {
			return nil, fmt.Errorf("create partition %s: %w", k, err)
		}
		if err := p.createFirstSegment(0); err != nil {
			return nil, fmt.Errorf("create partition %s: %w", k, err)
		}
	default:
		return nil, fmt.Errorf("open partition %s: %w", k, statErr)
	}
	delete(e.clean, k)
	cur, empty := p.CurrentOffset()
	e.offsets.adopt(k, cur, empty)
	e.commit.kick()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		p.closeFiles()
		return nil, ErrClosed
	}
	delete(e.fenced, k)
	e.parts[k] = p
	return p, nil
}

func (e *Engine) noteFenced(k Key, ce *CorruptionError) {
	e.mu.Lock()
	e.fenced[k] = ce
	e.mu.Unlock()
	if f := e.opts.Events.PartitionFenced; f != nil {
		f(k, ce)
	}
}

// Fenced returns the partitions refused because of corruption, with the
// damage found, for status listings.
func (e *Engine) Fenced() map[Key]*CorruptionError {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := make(map[Key]*CorruptionError, len(e.fenced))
	for k, v := range e.fenced {
		m[k] = v
	}
	return m
}

// Partition returns the open partition k.
func (e *Engine) Partition(k Key) (*Partition, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.parts[k]
	return p, ok
}

// Partitions returns the keys of the open partitions, sorted.
func (e *Engine) Partitions() []Key {
	e.mu.Lock()
	keys := make([]Key, 0, len(e.parts))
	for k := range e.parts {
		keys = append(keys, k)
	}
	e.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Stream != b.Stream {
			return a.Stream < b.Stream
		}
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		return a.Partition < b.Partition
	})
	return keys
}

// closeFiles closes every segment file of p (used when p is discarded).
func (p *Partition) closeFiles() {
	p.mu.Lock()
	segs := p.segments
	p.mu.Unlock()
	for _, s := range segs {
		s.closeFiles()
	}
}

// Report summarizes a Close.
type Report struct {
	Partitions int           // partitions closed
	Clean      int           // partitions recorded in the clean marker
	Segments   int           // segment files synced and closed
	Took       time.Duration // by the engine's clock
}

// Close shuts the engine down gracefully: new appends and offset stores
// fail with ErrClosed, everything already appended is written (and in fsync
// mode fdatasynced) and acknowledged, every active segment's log and index
// and the offsets log are fdatasynced and closed, and the clean-shutdown
// marker is written durably, listing the partitions that closed healthy so
// that the next Open scans none of them. It returns the first error met;
// partitions that failed are left out of the marker.
func (e *Engine) Close() (Report, error) {
	started := e.opts.Clock.Now()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return Report{}, ErrClosed
	}
	e.closed = true
	parts := make([]*Partition, 0, len(e.parts))
	for _, p := range e.parts {
		parts = append(parts, p)
	}
	e.parts = map[Key]*Partition{}
	e.mu.Unlock()

	for _, p := range parts {
		p.mu.Lock()
		p.closing = true
		p.mu.Unlock()
	}
	e.offsets.mu.Lock()
	e.offsets.closed = true
	e.offsets.mu.Unlock()
	e.commit.shutdown()

	var errs []error
	var entries []cleanEntry
	rep := Report{Partitions: len(parts)}
	for _, p := range parts {
		entry, ok, err := p.closeClean()
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			entries = append(entries, entry)
		}
		p.mu.Lock()
		rep.Segments += len(p.segments)
		p.mu.Unlock()
	}
	rep.Clean = len(entries)

	o := e.offsets
	if o.err == nil {
		if err := o.file.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("sync %s: %w", o.path, err))
		}
	}
	if err := o.file.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close %s: %w", o.path, err))
	}
	if len(errs) == 0 || len(entries) > 0 {
		marker := filepath.Join(shardDir(e.opts.Dir, e.opts.Shard), cleanName)
		if err := writeFileDurable(e.opts.FS, marker, encodeClean(entries)); err != nil {
			errs = append(errs, err)
		}
	}
	if e.ownIO {
		if err := e.io.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	rep.Took = e.opts.Clock.Now().Sub(started)
	return rep, errors.Join(errs...)
}

// closeClean syncs and closes p's files after the committer has drained,
// and returns its clean-marker entry if p is healthy.
func (p *Partition) closeClean() (cleanEntry, bool, error) {
	p.mu.Lock()
	healthy := p.err == nil
	if p.err == nil {
		p.err = ErrClosed
	}
	p.cond.Broadcast()
	segs := p.segments
	p.mu.Unlock()
	if len(segs) == 0 {
		return cleanEntry{}, false, nil
	}
	active := segs[len(segs)-1]
	var entry cleanEntry
	var err error
	if healthy {
		if err = errors.Join(active.log.Sync(), active.index.Sync()); err != nil {
			err = fmt.Errorf("sync %s: %w", active.logPath, err)
			healthy = false
		} else {
			entry, err = p.cleanEntry(active)
			healthy = err == nil
		}
	}
	p.mu.Lock()
	for _, s := range segs {
		s.deleted = true
		if s.refs == 0 {
			s.closeFiles()
		}
	}
	p.mu.Unlock()
	return entry, healthy, err
}
