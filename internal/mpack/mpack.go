// Package mpack decodes MessagePack with allocations bounded by the input.
//
// msgpack.Unmarshal trusts declared lengths: a string, binary or container
// header that claims gigabytes makes it grow a buffer toward that size, and
// its pooled decoder keeps (and doubles, call after call) the buffer of a
// failed read. Everything riffle decodes — control frames from other
// processes, metadata log entries and snapshots read from disk — goes through
// Unmarshal here instead, which first walks the encoding and refuses any
// declared length the remaining bytes cannot hold, then decodes with a
// decoder of its own.
package mpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// ErrMalformed is wrapped by every error Validate returns.
var ErrMalformed = errors.New("malformed msgpack")

// Unmarshal decodes exactly one MessagePack value filling b into v. It
// allocates at most a small multiple of len(b), whatever b declares.
func Unmarshal(b []byte, v any) error {
	if err := Validate(b); err != nil {
		return err
	}
	return msgpack.NewDecoder(bytes.NewReader(b)).Decode(v)
}

// Validate reports whether b holds exactly one well-formed MessagePack value
// whose every declared length and element count fits in the bytes that
// follow its header. It does not allocate.
func Validate(b []byte) error {
	pos := 0
	// pending counts values still to read. Every value takes at least one
	// byte, so a count is refused when it exceeds the bytes left, which also
	// keeps pending at most len(b).
	pending := 1
	for pending > 0 {
		pending--
		if pos >= len(b) {
			return fmt.Errorf("%w: truncated at byte %d", ErrMalformed, pos)
		}
		t := b[pos]
		pos++
		h, ok := describe(t)
		if !ok {
			return fmt.Errorf("%w: reserved type byte 0x%x at byte %d", ErrMalformed, t, pos-1)
		}
		n := uint64(h.n)
		if h.lenBytes > 0 {
			if len(b)-pos < h.lenBytes {
				return fmt.Errorf("%w: truncated length at byte %d", ErrMalformed, pos)
			}
			n = readLen(b[pos:], h.lenBytes)
			pos += h.lenBytes
		}
		left := len(b) - pos
		switch h.kind {
		case kindBytes:
			if left < h.fixed || n > uint64(left-h.fixed) {
				return fmt.Errorf("%w: %d bytes declared at byte %d with %d left", ErrMalformed, n+uint64(h.fixed), pos, left)
			}
			pos += h.fixed + int(n)
		case kindArray:
			if n > uint64(left) {
				return fmt.Errorf("%w: %d elements declared at byte %d with %d bytes left", ErrMalformed, n, pos, left)
			}
			pending += int(n)
		case kindMap:
			if n > uint64(left)/2 {
				return fmt.Errorf("%w: %d map entries declared at byte %d with %d bytes left", ErrMalformed, n, pos, left)
			}
			pending += 2 * int(n)
		}
	}
	if pos != len(b) {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(b)-pos)
	}
	return nil
}

const (
	kindBytes = iota // fixed bytes, then n more (strings, binary, extensions, scalars)
	kindArray        // n values follow
	kindMap          // 2n values follow
)

// typeHeader describes what follows a type byte: fixed bytes that are not a
// length, how many bytes hold a length n (0: n is given), and the kind.
type typeHeader struct {
	kind     int
	fixed    int
	lenBytes int
	n        int
}

// describe reads a type byte; ok is false for 0xc1, which is never used.
func describe(t byte) (h typeHeader, ok bool) {
	switch {
	case t <= 0x7f || t >= 0xe0: // positive and negative fixint
		return typeHeader{}, true
	case t <= 0x8f:
		return typeHeader{kind: kindMap, n: int(t & 0x0f)}, true
	case t <= 0x9f:
		return typeHeader{kind: kindArray, n: int(t & 0x0f)}, true
	case t <= 0xbf:
		return typeHeader{n: int(t & 0x1f)}, true
	}
	switch t {
	case 0xc0, 0xc2, 0xc3: // nil, false, true
	case 0xc4, 0xd9: // bin8, str8
		h.lenBytes = 1
	case 0xc5, 0xda: // bin16, str16
		h.lenBytes = 2
	case 0xc6, 0xdb: // bin32, str32
		h.lenBytes = 4
	case 0xc7, 0xc8: // ext8, ext16: the length, then a type byte
		h.lenBytes, h.fixed = int(t-0xc7)+1, 1
	case 0xc9: // ext32
		h.lenBytes, h.fixed = 4, 1
	case 0xcc, 0xd0: // uint8, int8
		h.fixed = 1
	case 0xcd, 0xd1: // uint16, int16
		h.fixed = 2
	case 0xca, 0xce, 0xd2: // float32, uint32, int32
		h.fixed = 4
	case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
		h.fixed = 8
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16 after a type byte
		h.fixed = 1 + 1<<(t-0xd4)
	case 0xdc, 0xdd: // array16, array32
		h.kind, h.lenBytes = kindArray, 2*int(t-0xdc+1)
	case 0xde, 0xdf: // map16, map32
		h.kind, h.lenBytes = kindMap, 2*int(t-0xde+1)
	default:
		return h, false
	}
	return h, true
}

func readLen(b []byte, n int) uint64 {
	switch n {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	default:
		return uint64(binary.BigEndian.Uint32(b))
	}
}
