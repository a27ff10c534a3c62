// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sync"

	"riffle/internal/vfs"
)

// File names inside the state directory.
const (
	logName      = "log"
	snapshotName = "snapshot"
	tmpSuffix    = ".tmp"
)

// DefaultSnapshotEvery is how many appended entries trigger a snapshot (and
// so a compaction of the log) when LogOptions.SnapshotEvery is 0.
const DefaultSnapshotEvery = 1024

// LogOptions tune a Log. The zero value is usable.
type LogOptions struct {
	// SnapshotEvery is the number of appended entries after which
	// SnapshotDue reports true. 0 = DefaultSnapshotEvery.
	SnapshotEvery int
}

// Recovery describes what OpenLog found, for the caller to log.
type Recovery struct {
	SnapshotIndex  uint64 // last index covered by the snapshot (0 = none)
	Replayed       int    // entries applied from the log
	LastIndex      uint64 // last index in the log after recovery
	TornOffset     int64  // where a torn last entry was cut (-1 = none)
	TruncatedBytes int64  // bytes cut at TornOffset
}

// Log is the supervisor's append-only state log: persistent entries, each
// written and fsynced before Append returns, and periodic snapshots that
// compact it. See logformat.go for the bytes.
//
// A Log is safe for concurrent use, but appends are meant to come from the
// one goroutine that also prepares and applies (the metadata authority). After
// any write or sync error it is failed: every later call returns ErrLogFailed
// (fail-stop; reopening recovers from what is on disk).
type Log struct {
	mu        sync.Mutex
	fs        vfs.FS
	dir       string
	opts      LogOptions
	f         vfs.File
	size      int64  // append offset
	last      uint64 // last index written (base-1 when the log is empty)
	lastVer   uint64 // Version of the last entry written
	snapIndex uint64
	since     int // entries appended since the last snapshot
	rec       Recovery
	err       error // sticky failure
	closed    bool
}

func (l *Log) path(name string) string { return path.Join(l.dir, name) }

// OpenLog opens (or creates) the state log in dir on fsys and returns it with
// the state it holds: the snapshot, then every logged entry after it.
//
// A torn last entry (short, zero-filled, or with a bad checksum, with no
// valid entry after it) is cut off on disk and the log keeps working; see
// Log.Recovery. Any other damage, in the log or the snapshot, makes OpenLog
// fail with a *CorruptionError naming the file and byte offset, and nothing is
// truncated. A format written by a newer build fails with ErrUnknownFormat.
// Leftover *.tmp files of an interrupted snapshot are removed.
func OpenLog(fsys vfs.FS, dir string, opts LogOptions) (*Log, *State, error) {
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = DefaultSnapshotEvery
	}
	l := &Log{fs: fsys, dir: dir, opts: opts, rec: Recovery{TornOffset: -1}}
	if err := mkdirDurable(fsys, dir); err != nil {
		return nil, nil, err
	}
	if err := l.removeTemps(); err != nil {
		return nil, nil, err
	}
	st, err := l.loadSnapshot()
	if err != nil {
		return nil, nil, err
	}
	if err := l.openAndReplay(st); err != nil {
		if l.f != nil {
			_ = l.f.Close()
		}
		return nil, nil, err
	}
	l.rec.SnapshotIndex, l.rec.LastIndex = l.snapIndex, l.last
	return l, st, nil
}

// mkdirDurable creates dir and its missing parents and fsyncs the parent of
// every directory it created, so the new entries survive a power loss.
func mkdirDurable(fsys vfs.FS, dir string) error {
	var created []string
	for d := path.Clean(dir); d != "." && d != "/"; d = path.Dir(d) {
		if _, err := fsys.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("stat %s: %w", d, err)
		}
		created = append(created, d)
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create state directory %s: %w", dir, err)
	}
	for i := len(created) - 1; i >= 0; i-- {
		parent := path.Dir(created[i])
		if err := fsys.SyncDir(parent); err != nil {
			return fmt.Errorf("sync directory %s: %w", parent, err)
		}
	}
	return nil
}

func (l *Log) removeTemps() error {
	names, err := l.fs.List(l.dir)
	if err != nil {
		return fmt.Errorf("list state directory %s: %w", l.dir, err)
	}
	removed := false
	for _, n := range names {
		if n == logName+tmpSuffix || n == snapshotName+tmpSuffix {
			if err := l.fs.Remove(l.path(n)); err != nil {
				return fmt.Errorf("remove %s: %w", l.path(n), err)
			}
			removed = true
		}
	}
	if removed {
		if err := l.fs.SyncDir(l.dir); err != nil {
			return fmt.Errorf("sync directory %s: %w", l.dir, err)
		}
	}
	return nil
}

// readAll reads a whole file; ok is false when it does not exist.
func (l *Log) readAll(name string) (b []byte, ok bool, err error) {
	f, err := l.fs.Open(l.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", l.path(name), err)
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, false, fmt.Errorf("stat %s: %w", l.path(name), err)
	}
	b = make([]byte, size)
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, false, fmt.Errorf("read %s: %w", l.path(name), err)
	}
	return b, true, nil
}

func (l *Log) loadSnapshot() (*State, error) {
	b, ok, err := l.readAll(snapshotName)
	if err != nil {
		return nil, err
	}
	if !ok {
		return NewState(), nil
	}
	p := l.path(snapshotName)
	index, payload, reason, off, unknown := decodeSnapshot(b)
	if unknown {
		return nil, fmt.Errorf("read snapshot %s: %w", p, ErrUnknownFormat)
	}
	if reason != "" {
		return nil, &CorruptionError{Path: p, Offset: off, Reason: reason}
	}
	st, err := DecodeState(payload)
	if errors.Is(err, ErrUnknownFormat) {
		return nil, fmt.Errorf("read snapshot %s: %w", p, err)
	}
	if err != nil {
		return nil, &CorruptionError{Path: p, Offset: snapshotHeaderLen, Reason: err.Error()}
	}
	l.snapIndex = index
	return st, nil
}

// openAndReplay opens the log (creating it when absent), checks and replays
// its records onto st, and cuts a torn tail.
func (l *Log) openAndReplay(st *State) error {
	p := l.path(logName)
	b, ok, err := l.readAll(logName)
	if err != nil {
		return err
	}
	if !ok {
		return l.resetLog(l.snapIndex + 1)
	}
	base, reason, unknown := decodeLogHeader(b)
	if unknown {
		return fmt.Errorf("read log %s: %w", p, ErrUnknownFormat)
	}
	if reason != "" {
		return &CorruptionError{Path: p, Offset: 0, Reason: reason}
	}
	if base == 0 || base > l.snapIndex+1 {
		return &CorruptionError{Path: p, Offset: 16, Reason: fmt.Sprintf("log starts at index %d but the snapshot covers only up to %d", base, l.snapIndex)}
	}
	off, next := int64(logHeaderSize), base
	for off < int64(len(b)) {
		rest := b[off:]
		index, payload, size, ok := parseRecord(rest)
		if !ok {
			maxIndex := next + uint64(len(rest))/recordHeaderSize
			if at, found := validRecordAfter(rest[1:], next, maxIndex); found {
				return &CorruptionError{Path: p, Offset: off, Reason: fmt.Sprintf("damaged entry %d before a valid entry at offset %d", next, off+1+int64(at))}
			}
			break // torn tail
		}
		if index != next {
			return &CorruptionError{Path: p, Offset: off, Reason: fmt.Sprintf("entry index %d where %d was expected", index, next)}
		}
		if index > l.snapIndex {
			e, err := DecodeEntry(payload)
			if errors.Is(err, ErrUnknownFormat) {
				return fmt.Errorf("read log %s at offset %d: %w", p, off, err)
			}
			if err != nil {
				return &CorruptionError{Path: p, Offset: off, Reason: err.Error()}
			}
			if !e.Persistent() {
				return &CorruptionError{Path: p, Offset: off, Reason: fmt.Sprintf("entry %d of kind %d is not persistent", index, e.Kind)}
			}
			if err := st.replay(e); err != nil {
				return &CorruptionError{Path: p, Offset: off, Reason: err.Error()}
			}
			l.lastVer = e.Version
			l.rec.Replayed++
			l.since++
		}
		off += int64(size)
		next++
	}
	f, err := l.fs.OpenReadWrite(p)
	if err != nil {
		return fmt.Errorf("open log %s: %w", p, err)
	}
	l.f = f
	if off < int64(len(b)) {
		if err := f.Truncate(off); err != nil {
			return fmt.Errorf("truncate torn tail of %s at %d: %w", p, off, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", p, err)
		}
		l.rec.TornOffset, l.rec.TruncatedBytes = off, int64(len(b))-off
	}
	l.size, l.last = off, next-1
	if l.last < l.snapIndex {
		// Every entry is in the snapshot; start a log after it so indexes
		// stay consecutive.
		_ = f.Close()
		l.f = nil
		return l.resetLog(l.snapIndex + 1)
	}
	return nil
}

// writeFileAtomic writes name through name.tmp: create, write, fsync,
// rename, fsync the directory.
func (l *Log) writeFileAtomic(name string, data []byte) error {
	tmp := l.path(name + tmpSuffix)
	f, err := l.fs.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := l.fs.Rename(tmp, l.path(name)); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return fmt.Errorf("sync directory %s: %w", l.dir, err)
	}
	return nil
}

// resetLog replaces the log with an empty one whose first index is base.
func (l *Log) resetLog(base uint64) error {
	if err := l.writeFileAtomic(logName, encodeLogHeader(base)); err != nil {
		return err
	}
	f, err := l.fs.OpenReadWrite(l.path(logName))
	if err != nil {
		return fmt.Errorf("open log %s: %w", l.path(logName), err)
	}
	if l.f != nil {
		_ = l.f.Close()
	}
	l.f, l.size, l.last = f, logHeaderSize, base-1
	return nil
}

func (l *Log) usable() error {
	if l.closed {
		return ErrLogClosed
	}
	if l.err != nil {
		return fmt.Errorf("%w: %v", ErrLogFailed, l.err)
	}
	return nil
}

// Append writes e (which must be Persistent) as the next record and fsyncs
// the log before returning. On a write or sync error the log fails for good.
func (l *Log) Append(e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	if !e.Persistent() {
		return fmt.Errorf("append entry %d of kind %d: ephemeral entries are not logged", e.Version, e.Kind)
	}
	payload, err := EncodeEntry(e)
	if err != nil {
		return err
	}
	if len(payload) > maxRecordSize {
		return fmt.Errorf("append entry %d: %d bytes exceeds the record limit", e.Version, len(payload))
	}
	rec := encodeRecord(l.last+1, payload)
	if _, err := l.f.WriteAt(rec, l.size); err != nil {
		l.err = err
		return fmt.Errorf("append entry %d to %s: %w", e.Version, l.path(logName), err)
	}
	if err := l.f.Sync(); err != nil {
		l.err = err
		return fmt.Errorf("sync %s: %w", l.path(logName), err)
	}
	l.size += int64(len(rec))
	l.last++
	l.lastVer = e.Version
	l.since++
	return nil
}

// SnapshotDue reports whether LogOptions.SnapshotEvery entries were appended
// since the last snapshot.
func (l *Log) SnapshotDue() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.since >= l.opts.SnapshotEvery
}

// Snapshot writes st, which must include every appended entry, as the new
// snapshot (tmp, fsync, rename, directory fsync) and then replaces the log
// with an empty one: the log is compacted. A crash at any point leaves a
// snapshot and a log that OpenLog combines into the same state. Errors fail
// the log.
func (l *Log) Snapshot(st *State) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	if st.Version() < l.lastVer {
		return fmt.Errorf("snapshot state at version %d: log holds version %d", st.Version(), l.lastVer)
	}
	payload, err := st.encode(true)
	if err != nil {
		return err
	}
	if err := l.writeFileAtomic(snapshotName, encodeSnapshot(l.last, payload)); err != nil {
		l.err = err
		return err
	}
	l.snapIndex = l.last
	if err := l.resetLog(l.last + 1); err != nil {
		l.err = err
		return err
	}
	l.since = 0
	return nil
}

// Commit is the authority's whole step for one prepared entry: Append it when
// it is persistent, Apply it to st, and take a snapshot when one is due. Empty
// entries do nothing. st must be the state the log was opened with, kept up
// to date only through Commit.
func (l *Log) Commit(st *State, e Entry) error {
	if e.Empty() {
		return nil
	}
	if invariants {
		// An entry that does not apply must never reach the log: replay
		// would then refuse to boot.
		if err := st.Clone().Apply(e); err != nil {
			panic("BUG: metadata: prepared entry does not apply: " + err.Error())
		}
	}
	if e.Persistent() {
		if err := l.Append(e); err != nil {
			return err
		}
	}
	if err := st.Apply(e); err != nil {
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
		return fmt.Errorf("apply committed entry: %w", err)
	}
	if l.SnapshotDue() {
		return l.Snapshot(st)
	}
	return nil
}

// Recovery returns what OpenLog found.
func (l *Log) Recovery() Recovery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec
}

// LastIndex returns the index of the last record written (0 when none).
func (l *Log) LastIndex() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Close closes the log file. The log is durable after every Append, so Close
// only releases the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.f == nil {
		return nil
	}
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", l.path(logName), err)
	}
	return nil
}
