// SPDX-License-Identifier: Apache-2.0

// GetStreams (201): empty request; the response is a StreamList
// (stream_info.go), sorted by ID. Fully supported.

package protocol

// GetStreams is the request payload of GetStreams (201).
type GetStreams struct{}

// Code returns CodeGetStreams.
func (*GetStreams) Code() Code { return CodeGetStreams }

// Size returns the encoded payload size.
func (*GetStreams) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*GetStreams) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*GetStreams) Decode([]byte) error { return nil }
