// SPDX-License-Identifier: Apache-2.0

// GetClients (22): empty request; the response is a ClientList
// (client_info.go) in server order. Needs read_servers. Fully supported.

package protocol

// GetClients is the request payload of GetClients (22).
type GetClients struct{}

// Code returns CodeGetClients.
func (*GetClients) Code() Code { return CodeGetClients }

// Size returns the encoded payload size.
func (*GetClients) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*GetClients) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*GetClients) Decode([]byte) error { return nil }
