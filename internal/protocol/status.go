// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"strconv"
)

//go:generate go run gen_status.go

// Status is the u32 status of a response frame: 0 is OK, anything else is an
// Iggy error code (status.tsv, generated into status_gen.go). On the binary
// transports only the number travels; names and messages are for logs, the
// HTTP API and clients.
//
// Status implements error so decoders and handlers can return it directly;
// use StatusFromError to get the code back from a wrapped error. Never return
// StatusOK as an error: a nil error is OK.
type Status uint32

// Error returns the wire name and the number, e.g.
// "stream_id_not_found (1009)"; unknown codes read "unknown_status (N)".
func (s Status) Error() string {
	return s.Name() + " (" + strconv.FormatUint(uint64(s), 10) + ")"
}

// String is Error.
func (s Status) String() string { return s.Error() }

// Name returns Iggy's snake_case name of the code ("stream_id_not_found"),
// or "unknown_status" for a code Iggy 0.8 does not define.
func (s Status) Name() string {
	if name, _, ok := s.lookup(); ok {
		return name
	}
	return "unknown_status"
}

// Message returns a short human-readable description of the code, or
// "unknown status" for an unknown code.
func (s Status) Message() string {
	if _, msg, ok := s.lookup(); ok {
		return msg
	}
	return "unknown status"
}

// Known reports whether s is one of the codes of Iggy 0.8 (or StatusOK).
func (s Status) Known() bool {
	_, _, ok := s.lookup()
	return ok
}

// Statuses returns every known status, StatusOK first, in increasing code
// order. The slice is a fresh copy.
func Statuses() []Status {
	out := make([]Status, len(statusTable))
	copy(out, statusTable[:])
	return out
}

// StatusFromError maps an error to the status a server sends for it: nil is
// StatusOK, an error wrapping a Status (directly or through *DecodeError) is
// that status, anything else is StatusError (1).
func StatusFromError(err error) Status {
	if err == nil {
		return StatusOK
	}
	var st Status
	if errors.As(err, &st) {
		return st
	}
	return StatusError
}
