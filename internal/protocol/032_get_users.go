// SPDX-License-Identifier: Apache-2.0

// GetUsers (32): empty request; the response is a UserList (user_info.go).
// Fully supported.

package protocol

// GetUsers is the request payload of GetUsers (32).
type GetUsers struct{}

// Code returns CodeGetUsers.
func (*GetUsers) Code() Code { return CodeGetUsers }

// Size returns the encoded payload size.
func (*GetUsers) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*GetUsers) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*GetUsers) Decode([]byte) error { return nil }
