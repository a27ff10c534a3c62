// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"strconv"
)

// ErrEmpty is returned by the client-side Decode of a getter's response
// (StreamDetails, TopicDetails, GroupDetails, UserDetails, ClientDetails,
// ConsumerOffsetInfo, PolledMessages, IdentityInfo, RawPersonalAccessToken)
// when the payload is empty. The server answers a getter with an empty OK
// when the object does not exist (protocol doc §3.4), so for getters
// ErrEmpty means "not found"; it carries no status code.
var ErrEmpty = errors.New("empty response payload")

// DecodeError reports a payload that could not be decoded: the status a
// server answers with, the byte offset in the payload where decoding stopped
// and why. It unwraps to its Status, so StatusFromError and errors.Is work
// on it. Every Decode and Parse function of this package returns nil,
// ErrEmpty or an error wrapping a *DecodeError; the one exception is
// DecodeRequest, which returns the bare StatusInvalidCommand for an unknown
// code.
type DecodeError struct {
	Status Status
	Offset int
	Reason string
}

// Error describes the failure, e.g.
// "decode at byte 12: short payload: need 4 bytes, have 1: invalid_command (3)".
func (e *DecodeError) Error() string {
	return "decode at byte " + strconv.Itoa(e.Offset) + ": " + e.Reason + ": " + e.Status.Error()
}

// Unwrap returns the status.
func (e *DecodeError) Unwrap() error { return e.Status }

func decodeError(st Status, off int, reason string) *DecodeError {
	return &DecodeError{Status: st, Offset: off, Reason: reason}
}
