// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"encoding/binary"
	"math"
	"strconv"
)

// HeaderKind is the type byte of a user-header key or value (protocol doc
// §4.3). Kind 0 is invalid.
type HeaderKind uint8

// User-header kinds.
const (
	HeaderRaw     HeaderKind = 1  // 1..255 bytes
	HeaderString  HeaderKind = 2  // 1..255 bytes of UTF-8
	HeaderBool    HeaderKind = 3  // 1 byte
	HeaderInt8    HeaderKind = 4  // 1 byte
	HeaderInt16   HeaderKind = 5  // 2 bytes LE
	HeaderInt32   HeaderKind = 6  // 4 bytes LE
	HeaderInt64   HeaderKind = 7  // 8 bytes LE
	HeaderInt128  HeaderKind = 8  // 16 bytes LE
	HeaderUint8   HeaderKind = 9  // 1 byte
	HeaderUint16  HeaderKind = 10 // 2 bytes LE
	HeaderUint32  HeaderKind = 11 // 4 bytes LE
	HeaderUint64  HeaderKind = 12 // 8 bytes LE
	HeaderUint128 HeaderKind = 13 // 16 bytes LE
	HeaderFloat32 HeaderKind = 14 // 4 bytes LE
	HeaderFloat64 HeaderKind = 15 // 8 bytes LE
)

// MaxHeaderFieldLength is the largest key or value, in bytes.
const MaxHeaderFieldLength = 255

// Known reports whether k is one of the kinds 1..15.
func (k HeaderKind) Known() bool { return k >= HeaderRaw && k <= HeaderFloat64 }

// FixedSize returns the exact size a value of kind k must have, or 0 for the
// variable-size kinds (raw, string) and unknown kinds.
func (k HeaderKind) FixedSize() int {
	switch k {
	case HeaderBool, HeaderInt8, HeaderUint8:
		return 1
	case HeaderInt16, HeaderUint16:
		return 2
	case HeaderInt32, HeaderUint32, HeaderFloat32:
		return 4
	case HeaderInt64, HeaderUint64, HeaderFloat64:
		return 8
	case HeaderInt128, HeaderUint128:
		return 16
	}
	return 0
}

// UserHeader is one typed key/value pair of a message's user-headers block:
//
//	[key_kind u8][key_len u32][key][value_kind u8][value_len u32][value]
//
// Keys are typed too (Iggy 0.8). Key and Value alias the block when decoded.
type UserHeader struct {
	KeyKind   HeaderKind
	Key       []byte
	ValueKind HeaderKind
	Value     []byte
}

// StringHeader returns a header with a string key and a string value.
func StringHeader(key, value string) UserHeader {
	return UserHeader{KeyKind: HeaderString, Key: []byte(key), ValueKind: HeaderString, Value: []byte(value)}
}

// Uint64Header returns a header with a string key and a u64 value.
func Uint64Header(key string, v uint64) UserHeader {
	return UserHeader{KeyKind: HeaderString, Key: []byte(key), ValueKind: HeaderUint64,
		Value: binary.LittleEndian.AppendUint64(nil, v)}
}

// Float64Header returns a header with a string key and a float64 value.
func Float64Header(key string, v float64) UserHeader {
	return UserHeader{KeyKind: HeaderString, Key: []byte(key), ValueKind: HeaderFloat64,
		Value: binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))}
}

// UserHeadersSize returns the encoded size of hs.
func UserHeadersSize(hs []UserHeader) int {
	n := 0
	for i := range hs {
		n += 10 + len(hs[i].Key) + len(hs[i].Value)
	}
	return n
}

// AppendUserHeaders appends the block encoding of hs, in order, as the SDKs
// do. It does not validate; use ValidateUserHeaders on the result if the
// input is untrusted.
func AppendUserHeaders(dst []byte, hs []UserHeader) []byte {
	for i := range hs {
		h := &hs[i]
		dst = append(dst, byte(h.KeyKind))
		dst = appendU32(dst, uint32(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = append(dst, byte(h.ValueKind))
		dst = appendU32(dst, uint32(len(h.Value)))
		dst = append(dst, h.Value...)
	}
	return dst
}

// DecodeUserHeaders decodes a user-headers block, aliasing b. It applies the
// checks of the Rust SDK: a truncated field is StatusInvalidCommand; kind 0,
// a length outside 1..255 or a key without a value is StatusInvalidFormat;
// an unknown kind is StatusInvalidHeaderKind; a key or value whose size does
// not match its fixed-size kind is StatusInvalidHeaderKey /
// StatusInvalidHeaderValue. An empty block decodes to nil.
//
// The 0.8.0 server does not parse user headers (it stores them byte for
// byte), so servers need not call this.
func DecodeUserHeaders(b []byte) ([]UserHeader, error) {
	if len(b) == 0 {
		return nil, nil
	}
	r := NewReader(b)
	out := make([]UserHeader, 0, r.capacity(uint64(len(b)), 12))
	for r.Remaining() > 0 && !r.Failed() {
		var h UserHeader
		h.KeyKind, h.Key = r.headerField()
		if r.Failed() {
			break
		}
		if r.Remaining() == 0 {
			r.Fail(StatusInvalidFormat, "user header key without a value")
			break
		}
		h.ValueKind, h.Value = r.headerField()
		if r.Failed() {
			break
		}
		if st, reason := h.check(); st != StatusOK {
			r.Fail(st, reason)
			break
		}
		out = append(out, h)
	}
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateUserHeaders reports whether b is a well-formed user-headers block
// (the checks of DecodeUserHeaders) without allocating on success.
func ValidateUserHeaders(b []byte) error {
	r := NewReader(b)
	for r.Remaining() > 0 && !r.Failed() {
		var h UserHeader
		h.KeyKind, h.Key = r.headerField()
		if r.Failed() {
			break
		}
		if r.Remaining() == 0 {
			r.Fail(StatusInvalidFormat, "user header key without a value")
			break
		}
		h.ValueKind, h.Value = r.headerField()
		if r.Failed() {
			break
		}
		if st, reason := h.check(); st != StatusOK {
			r.Fail(st, reason)
		}
	}
	return r.Finish()
}

// headerField reads [kind u8][len u32][bytes] with the structural checks.
func (r *Reader) headerField() (HeaderKind, []byte) {
	start := r.off
	kind := HeaderKind(r.U8())
	n := r.U32()
	if r.Failed() {
		return 0, nil
	}
	if kind == 0 {
		r.off = start
		r.Fail(StatusInvalidFormat, "user header kind 0")
		return 0, nil
	}
	if n == 0 || n > MaxHeaderFieldLength {
		r.off = start
		r.Fail(StatusInvalidFormat, "user header field length "+strconv.FormatUint(uint64(n), 10))
		return 0, nil
	}
	return kind, r.Bytes(int(n))
}

// check applies the typed checks to a structurally valid pair.
func (h *UserHeader) check() (Status, string) {
	if !h.KeyKind.Known() {
		return StatusInvalidHeaderKind, "unknown user header key kind " + strconv.Itoa(int(h.KeyKind))
	}
	if n := h.KeyKind.FixedSize(); n != 0 && len(h.Key) != n {
		return StatusInvalidHeaderKey, "user header key size does not match its kind"
	}
	if !h.ValueKind.Known() {
		return StatusInvalidHeaderKind, "unknown user header value kind " + strconv.Itoa(int(h.ValueKind))
	}
	if n := h.ValueKind.FixedSize(); n != 0 && len(h.Value) != n {
		return StatusInvalidHeaderValue, "user header value size does not match its kind"
	}
	return StatusOK, ""
}
