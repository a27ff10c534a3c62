// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"encoding/binary"
	"math"
)

// The append helpers mirror Reader. Encoders are permissive, like the
// official SDKs: they write what they are given. A Name longer than 255
// bytes or an empty Name produces a payload the server rejects; validating
// user input is the caller's job.

func appendU8(dst []byte, v uint8) []byte   { return append(dst, v) }
func appendU16(dst []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(dst, v) }
func appendU32(dst []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(dst, v) }
func appendU64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }
func appendF32(dst []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
}

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// appendName writes [len u8][bytes]; also used for passwords (ShortString).
func appendName(dst []byte, s string) []byte {
	dst = append(dst, uint8(len(s)))
	return append(dst, s...)
}

// appendLongString writes [len u32][bytes].
func appendLongString(dst []byte, s string) []byte {
	dst = appendU32(dst, uint32(len(s)))
	return append(dst, s...)
}
