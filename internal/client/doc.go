// SPDX-License-Identifier: Apache-2.0

// Package client is a client of the Iggy 0.8 binary protocol over TCP, shared
// by the riffle CLI and `riffle bench`. It owns one connection and the
// request/response exchange on it; byte layouts come from internal/protocol.
// It never imports a server package and does not log.
//
// # Model
//
//	caller ──► Client.Do / typed helper ──► [length][code][payload] ──► server
//	       ◄── payload, or *ServerError ◄── [status][length][payload] ◄──
//
// A Client has at most one request in flight: every call holds the client's
// mutex from the write of the request to the end of the read of its
// response, so a Client is safe for concurrent use but serializes calls. Use
// one Client per goroutine to get parallelism.
//
// # Errors
//
// Every call returns nil or one of:
//
//   - *ServerError: the server answered with a non-OK status; it unwraps to the
//     protocol.Status, so errors.Is(err, protocol.StatusStreamIDNotFound) works.
//   - ErrNotFound: a getter got the empty OK that means "no such object"
//     (protocol doc §3.4).
//   - *ConnError: the connection failed (dial, write, read, a deadline or a
//     cancelled context). The connection is closed and every later call
//     returns ErrClosed wrapped in a *ConnError.
//   - an error wrapping ErrProtocol: the response could not be decoded (the
//     connection stays usable: the frame was read whole) or announced more than
//     Options.MaxResponse bytes (the connection is closed, since the rest of
//     the frame was not read).
//
// # Caller duties
//
//  1. Dial, then Login or LoginWithToken (only Ping and the logins work
//     before).
//  2. Call helpers; check errors with errors.As / errors.Is as above.
//  3. Close the client. Close is idempotent.
//
// Values returned by typed helpers are owned by the caller: they never alias
// buffers the client reuses. Do appends the response payload to a slice the
// caller provides, for callers that want to reuse memory (benchmarks).
package client
