// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"riffle/internal/vfs"
)

// Key names a partition by internal ids, which are never reused: a stream or
// topic deleted and created again under the same Iggy id gets new ids, so a
// crash in the middle of a delete cannot resurrect old data under a new name.
type Key struct{ Stream, Topic, Partition uint64 }

func (k Key) String() string {
	return fmt.Sprintf("%d/%d/%d", k.Stream, k.Topic, k.Partition)
}

// File names and directories under Options.Dir.
const (
	// FormatFile holds the storage format version of a data directory.
	FormatFile = "FORMAT"
	// FormatVersion is the version this package reads and writes.
	FormatVersion = 1

	logExt      = ".log"
	indexExt    = ".index"
	tmpExt      = ".tmp"
	deletedMark = ".deleted-"
	offsetsName = "offsets.log"
	cleanName   = "clean"
)

var formatContent = []byte(fmt.Sprintf("riffle-data %d\n", FormatVersion))

func streamDir(root string, stream uint64) string {
	return filepath.Join(root, "streams", strconv.FormatUint(stream, 10))
}

func topicDir(root string, stream, topic uint64) string {
	return filepath.Join(streamDir(root, stream), "topics", strconv.FormatUint(topic, 10))
}

func partitionDir(root string, k Key) string {
	return filepath.Join(topicDir(root, k.Stream, k.Topic), "partitions", strconv.FormatUint(k.Partition, 10))
}

func shardDir(root string, shard int) string {
	return filepath.Join(root, "shards", strconv.Itoa(shard))
}

// segmentName is the 20-digit, zero-padded start offset, as Iggy names them.
func segmentName(start uint64) string { return fmt.Sprintf("%020d", start) }

// parseSegmentName reports the start offset and extension of a segment file.
func parseSegmentName(name string) (start uint64, ext string, ok bool) {
	ext = filepath.Ext(name)
	if ext != logExt && ext != indexExt {
		return 0, "", false
	}
	base := strings.TrimSuffix(name, ext)
	if len(base) != 20 {
		return 0, "", false
	}
	start, err := strconv.ParseUint(base, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return start, ext, true
}

// mkdirDurable creates dir and fsyncs every directory that gained an entry,
// from the deepest existing ancestor down, so the new tree survives a crash.
func mkdirDurable(fsys vfs.FS, dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fsys.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("stat %s: %w", d, err)
		}
		missing = append(missing, d)
		if parent := filepath.Dir(d); parent == d {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		parent := filepath.Dir(missing[i])
		if err := fsys.SyncDir(parent); err != nil {
			return fmt.Errorf("sync dir %s: %w", parent, err)
		}
	}
	return nil
}

// writeFileDurable replaces name with data atomically: write a temporary
// file, fsync it, rename it over name, fsync the directory.
func writeFileDurable(fsys vfs.FS, name string, data []byte) error {
	tmp := name + tmpExt
	f, err := fsys.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := fsys.Rename(tmp, name); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if err := fsys.SyncDir(filepath.Dir(name)); err != nil {
		return fmt.Errorf("sync dir %s: %w", filepath.Dir(name), err)
	}
	return nil
}

// readFile returns the whole content of name.
func readFile(fsys vfs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if _, err := f.ReadAt(b, 0); err != nil && !(err == io.EOF && size == int64(len(b))) {
		return nil, err
	}
	return b, nil
}

// checkFormat verifies the format version file of root, creating it in a new
// data directory. Several shards may race to create it; they write the same
// bytes and the rename is atomic.
func checkFormat(fsys vfs.FS, root string, shard int) error {
	name := filepath.Join(root, FormatFile)
	b, err := readFile(fsys, name)
	switch {
	case err == nil:
		if !bytes.Equal(b, formatContent) {
			return fmt.Errorf("check %s: found %q, want %q: %w", name, bytes.TrimSpace(b), bytes.TrimSpace(formatContent), ErrFormatVersion)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		tmp := fmt.Sprintf("%s.%d", name, shard)
		if err := writeFileDurable(fsys, tmp, formatContent); err != nil {
			return err
		}
		if err := fsys.Rename(tmp, name); err != nil {
			return fmt.Errorf("rename %s: %w", tmp, err)
		}
		if err := fsys.SyncDir(root); err != nil {
			return fmt.Errorf("sync dir %s: %w", root, err)
		}
		return nil
	default:
		return fmt.Errorf("read %s: %w", name, err)
	}
}
