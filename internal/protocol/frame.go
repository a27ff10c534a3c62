// SPDX-License-Identifier: Apache-2.0

package protocol

import "encoding/binary"

// Frame header sizes and the control-payload cap (protocol doc §1.1, §1.2,
// §1.4).
const (
	// RequestHeaderSize is the size of [length u32][code u32].
	RequestHeaderSize = 8
	// ResponseHeaderSize is the size of [status u32][length u32].
	ResponseHeaderSize = 8
	// MaxControlPayload is the largest payload the 0.8.0 server accepts for
	// any command but SendMessages (10 MiB); larger is StatusInvalidCommand.
	MaxControlPayload = 10 << 20
)

// ParseRequestHeader reads a request header. payloadLen is the request's
// length field minus the 4 bytes of the code. ok is false when the length
// field is below 4, which a server answers with StatusInvalidCommand.
//
// It never allocates; callers must check payloadLen with CheckPayloadLen
// before allocating or reading the payload.
func ParseRequestHeader(hdr [RequestHeaderSize]byte) (payloadLen uint32, code Code, ok bool) {
	length := binary.LittleEndian.Uint32(hdr[0:4])
	code = Code(binary.LittleEndian.Uint32(hdr[4:8]))
	if length < 4 {
		return 0, code, false
	}
	return length - 4, code, true
}

// CheckPayloadLen returns StatusInvalidCommand when a request payload of n
// bytes exceeds its cap: maxSend for SendMessages, maxControl for every other
// command (the 0.8.0 server uses MaxControlPayload and no SendMessages cap
// beyond u32). It returns nil otherwise. Unknown codes use maxControl.
func CheckPayloadLen(code Code, n uint32, maxSend, maxControl uint32) error {
	limit := maxControl
	if code == CodeSendMessages {
		limit = maxSend
	}
	if n > limit {
		return StatusInvalidCommand
	}
	return nil
}

// AppendRequestHeader appends [4+payloadLen][code] to dst, for callers that
// write the payload separately (vectored writes). payloadLen must be at most
// math.MaxUint32-4; larger values are truncated modulo 2^32.
func AppendRequestHeader(dst []byte, code Code, payloadLen int) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(payloadLen)+4)
	return binary.LittleEndian.AppendUint32(dst, uint32(code))
}

// AppendRequest appends a whole request frame (header and payload) to dst.
func AppendRequest(dst []byte, code Code, payload []byte) []byte {
	dst = AppendRequestHeader(dst, code, len(payload))
	return append(dst, payload...)
}

// AppendResponseHeader appends [status][payloadLen] to dst. A non-OK status
// must carry payloadLen 0 (use AppendErrorResponse); the official SDKs treat
// a payload of 0 or 1 bytes as empty, so never announce a 1-byte payload.
func AppendResponseHeader(dst []byte, st Status, payloadLen int) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(st))
	return binary.LittleEndian.AppendUint32(dst, uint32(payloadLen))
}

// AppendOKResponse appends an OK response carrying payload (which may be
// empty: the "empty OK" of getters that found nothing).
func AppendOKResponse(dst []byte, payload []byte) []byte {
	dst = AppendResponseHeader(dst, StatusOK, len(payload))
	return append(dst, payload...)
}

// AppendErrorResponse appends the 8-byte error response [st][0].
func AppendErrorResponse(dst []byte, st Status) []byte {
	return AppendResponseHeader(dst, st, 0)
}

// ParseResponseHeader reads a response header. Clients must bound
// payloadLen before allocating.
func ParseResponseHeader(hdr [ResponseHeaderSize]byte) (st Status, payloadLen uint32) {
	return Status(binary.LittleEndian.Uint32(hdr[0:4])), binary.LittleEndian.Uint32(hdr[4:8])
}

// SplitRequestFrame splits the first request frame off a byte stream (the
// WebSocket transport carries frames that may span or share messages). It
// returns n = 0 and no error while b holds less than a whole frame, and
// StatusInvalidCommand when the length field is below 4. payload aliases b;
// n is the number of bytes the frame takes. Check the header with
// CheckPayloadLen before buffering a large frame.
func SplitRequestFrame(b []byte) (code Code, payload []byte, n int, err error) {
	if len(b) < RequestHeaderSize {
		return 0, nil, 0, nil
	}
	plen, code, ok := ParseRequestHeader([RequestHeaderSize]byte(b))
	if !ok {
		return code, nil, 0, StatusInvalidCommand
	}
	if uint64(len(b)-RequestHeaderSize) < uint64(plen) {
		return code, nil, 0, nil
	}
	end := RequestHeaderSize + int(plen)
	return code, b[RequestHeaderSize:end:end], end, nil
}

// SplitResponseFrame splits the first response frame off a byte stream,
// like SplitRequestFrame; n = 0 means more bytes are needed.
func SplitResponseFrame(b []byte) (st Status, payload []byte, n int) {
	if len(b) < ResponseHeaderSize {
		return 0, nil, 0
	}
	st, plen := ParseResponseHeader([ResponseHeaderSize]byte(b))
	if uint64(len(b)-ResponseHeaderSize) < uint64(plen) {
		return st, nil, 0
	}
	end := ResponseHeaderSize + int(plen)
	return st, b[ResponseHeaderSize:end:end], end
}
