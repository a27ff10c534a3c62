// SPDX-License-Identifier: Apache-2.0

// LogoutUser (39): empty request, empty OK response; the session becomes
// anonymous. Fully supported.

package protocol

// LogoutUser is the request payload of LogoutUser (39).
type LogoutUser struct{}

// Code returns CodeLogoutUser.
func (*LogoutUser) Code() Code { return CodeLogoutUser }

// Size returns the encoded payload size.
func (*LogoutUser) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*LogoutUser) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*LogoutUser) Decode([]byte) error { return nil }
