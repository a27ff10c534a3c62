// SPDX-License-Identifier: Apache-2.0

// Ping (1): empty request, empty OK response. No authentication needed; the
// server refreshes the client's heartbeat. Fully supported.

package protocol

// Ping is the request payload of Ping (1).
type Ping struct{}

// Code returns CodePing.
func (*Ping) Code() Code { return CodePing }

// Size returns the encoded payload size.
func (*Ping) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*Ping) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*Ping) Decode([]byte) error { return nil }
