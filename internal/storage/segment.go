// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"encoding/binary"
	"fmt"
	"io"

	"riffle/internal/protocol"
	"riffle/internal/vfs"
)

// indexEntrySize is Iggy's index entry: relative offset u32, end position
// u32, timestamp u64, little-endian.
const indexEntrySize = 16

func putIndexEntry(b []byte, rel, end uint32, ts uint64) {
	binary.LittleEndian.PutUint32(b[0:], rel)
	binary.LittleEndian.PutUint32(b[4:], end)
	binary.LittleEndian.PutUint64(b[8:], ts)
}

func indexRel(b []byte) uint32 { return binary.LittleEndian.Uint32(b[0:]) }
func indexEnd(b []byte) uint32 { return binary.LittleEndian.Uint32(b[4:]) }
func indexTS(b []byte) uint64  { return binary.LittleEndian.Uint64(b[8:]) }

// segment is one <start>.log + <start>.index pair. Its fields other than
// start and the paths are guarded by the owning Partition's mu.
//
// A segment is created in memory by Append when the previous one is full
// ("virtual": files nil) and its files are created by the committer, after
// the previous segment is durable, before any byte is written to it. So on
// disk every segment but the last is complete and synced.
type segment struct {
	start     uint64
	logPath   string
	indexPath string

	log, index vfs.File // nil while virtual

	size    int64  // log bytes assigned, acknowledged or not
	count   uint32 // messages assigned
	firstTS uint64 // timestamp of the first message (0 if none)
	lastTS  uint64 // timestamp of the last assigned message

	refs    int  // readers using the files
	deleted bool // removed from the partition; close files when refs == 0
}

func (s *segment) created() bool { return s.log != nil }

// closeFiles closes both files and reports the first error.
func (s *segment) closeFiles() error {
	var first error
	for _, f := range []vfs.File{s.log, s.index} {
		if f != nil {
			if err := f.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// scanResult is what scanLog found.
type scanResult struct {
	end    int64  // end of the last valid message
	count  uint32 // valid messages
	lastTS uint64
	reason string // why the scan stopped before the end of the file ("" if it did not)
}

// scanBufSize is the read size of recovery scans.
const scanBufSize = 1 << 20

// scanLog walks the message frames of f from position from (a message
// boundary) to size, checking that each frame fits in the file, has plausible
// lengths, carries offset want, want+1, … and has a valid checksum. It calls
// visit, if not nil, with the end position and timestamp of every valid
// message. It stops at the first invalid frame; only I/O errors are returned
// as errors.
func scanLog(f vfs.File, from, size int64, want uint64, visit func(end int64, ts, sum uint64)) (scanResult, error) {
	res := scanResult{end: from}
	buf := make([]byte, min(scanBufSize, max(size-from, 0)))
	var bufStart, bufEnd int64 // file range held in buf
	fill := func(pos int64) error {
		n := min(int64(len(buf)), size-pos)
		if _, err := f.ReadAt(buf[:n], pos); err != nil && err != io.EOF {
			return fmt.Errorf("read %s at %d: %w", f.Name(), pos, err)
		}
		bufStart, bufEnd = pos, pos+n
		return nil
	}
	pos := from
	for pos < size {
		if size-pos < protocol.MessageHeaderSize {
			res.reason = "partial message header"
			break
		}
		if pos+protocol.MessageHeaderSize > bufEnd {
			if err := fill(pos); err != nil {
				return res, err
			}
		}
		h := buf[pos-bufStart:]
		plen := binary.LittleEndian.Uint32(h[52:])
		hlen := binary.LittleEndian.Uint32(h[48:])
		if plen > protocol.MaxMessagePayload || hlen > protocol.MaxUserHeadersSize {
			res.reason = fmt.Sprintf("implausible lengths (payload %d, headers %d)", plen, hlen)
			break
		}
		fsize := int64(protocol.MessageHeaderSize) + int64(plen) + int64(hlen)
		if pos+fsize > size {
			res.reason = fmt.Sprintf("message of %d bytes runs past the end of the file", fsize)
			break
		}
		var frame []byte
		switch {
		case pos+fsize <= bufEnd:
			frame = buf[pos-bufStart : pos-bufStart+fsize]
		case fsize <= int64(len(buf)):
			if err := fill(pos); err != nil {
				return res, err
			}
			frame = buf[:fsize]
		default:
			frame = make([]byte, fsize)
			if _, err := f.ReadAt(frame, pos); err != nil && err != io.EOF {
				return res, fmt.Errorf("read %s at %d: %w", f.Name(), pos, err)
			}
		}
		if off := protocol.MessageOffset(frame); off != want {
			res.reason = fmt.Sprintf("message carries offset %d, want %d", off, want)
			break
		}
		if sum := protocol.ComputeMessageChecksum(frame); sum != protocol.MessageChecksum(frame) {
			res.reason = fmt.Sprintf("checksum %#x, stored %#x", sum, protocol.MessageChecksum(frame))
			break
		}
		pos += fsize
		want++
		res.end = pos
		res.count++
		res.lastTS = protocol.MessageTimestamp(frame)
		if visit != nil {
			visit(pos, res.lastTS, protocol.MessageChecksum(frame))
		}
	}
	return res, nil
}

// verifyFrames checks that frames holds exactly count messages with offsets
// first, first+1, … and valid checksums. It returns the byte position of the
// first bad frame and a reason, or -1.
func verifyFrames(frames []byte, first uint64) (int, string) {
	pos := 0
	for want := first; pos < len(frames); want++ {
		size := protocol.MessageFrameSize(frames[pos:])
		if size < 0 || pos+size > len(frames) {
			return pos, "message runs past the read range"
		}
		frame := frames[pos : pos+size]
		if off := protocol.MessageOffset(frame); off != want {
			return pos, fmt.Sprintf("message carries offset %d, want %d", off, want)
		}
		if protocol.ComputeMessageChecksum(frame) != protocol.MessageChecksum(frame) {
			return pos, "checksum mismatch"
		}
		pos += size
	}
	return -1, ""
}
