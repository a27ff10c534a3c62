// SPDX-License-Identifier: Apache-2.0

package client

import (
	"errors"

	"riffle/internal/protocol"
)

// ErrNotFound is returned by getters (GetStream, GetTopic, GetUser, GetClient,
// GetConsumerGroup, GetConsumerOffset) when the server answers with the empty
// OK that means the object does not exist.
var ErrNotFound = errors.New("not found")

// ErrClosed is wrapped by the *ConnError of every call made after Close or
// after an earlier call broke the connection.
var ErrClosed = errors.New("connection closed")

// ErrProtocol is wrapped by the errors of calls whose response could not be
// decoded or exceeded Options.MaxResponse.
var ErrProtocol = errors.New("protocol violation")

// ServerError is a non-OK status the server answered a request with.
type ServerError struct {
	Code   protocol.Code   // the command of the request
	Status protocol.Status // never StatusOK
}

// Error reads e.g. "CreateStream: stream_name_already_exists (1012)".
func (e *ServerError) Error() string { return e.Code.String() + ": " + e.Status.Error() }

// Unwrap returns the status, so errors.Is matches protocol.Status values.
func (e *ServerError) Unwrap() error { return e.Status }

// ConnError is a failure of the connection itself: Op is "dial", "write",
// "read" or "call" (a call on a closed client).
type ConnError struct {
	Op   string
	Addr string
	Err  error
}

// Error reads e.g. "read 127.0.0.1:8090: EOF".
func (e *ConnError) Error() string { return e.Op + " " + e.Addr + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ConnError) Unwrap() error { return e.Err }
