// SPDX-License-Identifier: Apache-2.0

// GetMe (20): empty request; the response is the ClientDetails of the calling
// connection (client_info.go). A vanished client is ClientNotFound (100), after
// which the server closes the connection. Fully supported.

package protocol

// GetMe is the request payload of GetMe (20).
type GetMe struct{}

// Code returns CodeGetMe.
func (*GetMe) Code() Code { return CodeGetMe }

// Size returns the encoded payload size.
func (*GetMe) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*GetMe) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*GetMe) Decode([]byte) error { return nil }
