// SPDX-License-Identifier: Apache-2.0

// GetSnapshot (11): [compression u8][types_count u8][type u8 × count]; the
// OK response payload is a raw ZIP archive with no framing, so there is no
// response type. Codes (protocol doc §2.11): compression 1 stored,
// 2 deflated, 3 bzip2, 4 zstd, 5 lzma, 6 xz; types 1 filesystem overview,
// 2 process list, 3 resource usage, 4 test, 5 server logs, 6 server config,
// 100 all (alone). Checking the codes is the server's job (InvalidCommand 3);
// a server may answer FeatureUnavailable (5). The codec is fully supported.

package protocol

// GetSnapshot is the request payload of GetSnapshot (11).
type GetSnapshot struct {
	Compression uint8
	Types       []uint8 // at most 255; a copy, not aliasing the payload
}

// Code returns CodeGetSnapshot.
func (*GetSnapshot) Code() Code { return CodeGetSnapshot }

// Size returns the encoded payload size.
func (q *GetSnapshot) Size() int { return 2 + len(q.Types) }

// AppendTo appends the payload encoding; the count is written as a u8.
func (q *GetSnapshot) AppendTo(dst []byte) []byte {
	dst = append(dst, q.Compression, uint8(len(q.Types)))
	return append(dst, q.Types...)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetSnapshot) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetSnapshot
	v.Compression = r.U8()
	n := int(r.U8())
	if b := r.Bytes(n); b != nil {
		v.Types = append([]uint8(nil), b...)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
