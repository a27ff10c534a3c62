// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
)

// Reader is a sticky-error cursor over a payload. The first short read or
// validation failure is recorded (see Fail); every later read returns the
// zero value and consumes nothing, so a decoder reads its fields straight
// through and checks Finish once. Reader never panics, and it allocates only
// for strings, which are bounded by the remaining input.
//
// Short reads are StatusInvalidCommand, as in the 0.8.0 server. Byte slices
// returned by Bytes alias the input; strings are copies.
//
// The zero Reader reads an empty payload. A Reader is not safe for
// concurrent use.
type Reader struct {
	buf []byte
	off int
	err *DecodeError
}

// NewReader returns a Reader over b.
func NewReader(b []byte) Reader { return Reader{buf: b} }

// Finish returns the first recorded failure, or nil. Bytes left after a
// complete structure are accepted (the 0.8.0 server only logs them); use
// Remaining to see them.
func (r *Reader) Finish() error {
	if r.err != nil {
		return r.err
	}
	return nil
}

// Failed reports whether a failure has been recorded.
func (r *Reader) Failed() bool { return r.err != nil }

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int { return r.off }

// Remaining returns the number of bytes not yet consumed.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Fail records a failure with status st at the current offset, unless one is
// already recorded. Decoders use it for validation failures.
func (r *Reader) Fail(st Status, reason string) {
	if r.err == nil {
		r.err = decodeError(st, r.off, reason)
	}
}

// take returns the next n bytes, or nil after recording a short read.
func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf)-r.off {
		r.err = decodeError(StatusInvalidCommand, r.off,
			"short payload: need "+strconv.Itoa(n)+" bytes, have "+strconv.Itoa(len(r.buf)-r.off))
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

// Bool reads one byte; any non-zero value is true, as in Iggy.
func (r *Reader) Bool() bool { return r.U8() != 0 }

// U16 reads a little-endian u16.
func (r *Reader) U16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

// U32 reads a little-endian u32.
func (r *Reader) U32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// U64 reads a little-endian u64.
func (r *Reader) U64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// U128 reads 16 bytes of a little-endian u128, as they are on the wire.
func (r *Reader) U128() (v [16]byte) {
	if b := r.take(16); b != nil {
		copy(v[:], b)
	}
	return v
}

// F32 reads a little-endian IEEE-754 float32.
func (r *Reader) F32() float32 { return math.Float32frombits(r.U32()) }

// Bytes reads n bytes and returns them aliasing the input (nil after a
// failure; an empty non-nil slice for n = 0).
func (r *Reader) Bytes(n int) []byte { return r.take(n) }

// String reads n bytes of UTF-8 and returns a copy. Invalid UTF-8 is
// StatusInvalidCommand, as in the 0.8.0 decoder.
func (r *Reader) String(n int) string {
	b := r.take(n)
	if b == nil {
		return ""
	}
	if !utf8.Valid(b) {
		r.off -= n
		r.Fail(StatusInvalidCommand, "invalid UTF-8")
		return ""
	}
	return string(b)
}

// Name reads a Name, [len u8 1..255][UTF-8] (protocol doc §2.1): stream,
// topic, group, user and token names. Length 0 is StatusInvalidFormat,
// checked before the bytes are read, as in the 0.8.0 decoder.
func (r *Reader) Name() string {
	n := r.U8()
	if r.err != nil {
		return ""
	}
	if n == 0 {
		r.off--
		r.Fail(StatusInvalidFormat, "empty name")
		return ""
	}
	return r.String(int(n))
}

// ShortString reads [len u8 0..255][UTF-8], the encoding of passwords.
func (r *Reader) ShortString() string { return r.String(int(r.U8())) }

// LongString reads [len u32][UTF-8]; length 0 is the empty string ("absent"
// for LoginUser's version and context).
func (r *Reader) LongString() string {
	n := r.U32()
	if r.err != nil {
		return ""
	}
	if uint64(n) > uint64(r.Remaining()) {
		r.Fail(StatusInvalidCommand, "short payload: string of "+strconv.FormatUint(uint64(n), 10)+
			" bytes, have "+strconv.Itoa(r.Remaining()))
		return ""
	}
	return r.String(int(n))
}

// capacity bounds a preallocation for count items of at least minSize bytes
// each by what the remaining input can hold, so a bogus count cannot make a
// decoder allocate more than the payload.
func (r *Reader) capacity(count uint64, minSize int) int {
	limit := uint64(r.Remaining() / minSize)
	if count < limit {
		return int(count)
	}
	return int(limit)
}
