// SPDX-License-Identifier: Apache-2.0

// Package protocol is the codec of the Apache Iggy 0.8 binary protocol: frame
// headers, command codes, status codes, and the request and response payloads
// of all 47 commands, in both directions, so that the shard (server side), the
// riffle CLI and `riffle bench` (client side) and the tests share one
// implementation.
//
// It owns byte layouts only. It does no I/O, no logging and starts no
// goroutines; it imports the standard library and the XXH32/XXH3 hashes only.
// What a value means (resolving identifiers, expiry defaults, permissions,
// "not found = empty OK") is the server's business.
//
// # Frames
//
//	request  (client → server)        response (server → client)
//	+------------+----------+------+  +------------+------------+------+
//	| length u32 | code u32 | body |  | status u32 | length u32 | body |
//	+------------+----------+------+  +------------+------------+------+
//	length = 4 + len(body)            length = len(body); body empty when status ≠ 0
//
// All integers are little-endian. A message (SendMessages, PollMessages
// replies, segment files) is a 64-byte header, the payload and the user
// headers (message.go).
//
// # Server duties, per request
//
//  1. Read RequestHeaderSize bytes; ParseRequestHeader. If !ok, answer
//     StatusInvalidCommand (length < 4).
//  2. CheckPayloadLen with the configured caps before allocating anything;
//     on error answer its status and drop the connection or discard exactly
//     payloadLen bytes (never read the next header from the middle of a
//     payload, a known bug of the Rust server).
//  3. Read the payload. For CodeSendMessages call ParseSendMessages (no copy);
//     for any other code DecodeRequest, which answers StatusInvalidCommand
//     for an unknown code. Trailing bytes after a complete payload are
//     accepted, as Iggy does.
//  4. Answer with AppendResponseHeader and the response's AppendTo, or
//     AppendErrorResponse(StatusFromError(err)).
//
// # Client duties
//
// Build requests with AppendRequest(dst, req.Code(), req.AppendTo(nil)) or
// AppendRequestHeader plus the payload, read the response header with
// ParseResponseHeader, and decode the payload with the response type's
// Decode. An empty payload from a getter decodes to ErrEmpty. Never treat a
// 1-byte payload as data: the official SDKs do not.
//
// # Decoding rules
//
// Payloads are decoded by Reader, a sticky-error cursor: the first short read
// or validation failure is recorded and later reads return zero values, so
// decoders never panic and never allocate more than the remaining input.
// Failures map to statuses as the 0.8.0 server does (protocol doc §1.5):
// truncation, unknown kind bytes and invalid UTF-8 are StatusInvalidCommand
// (3); empty names, numeric identifiers whose length is not 4 and
// permission-length mismatches are StatusInvalidFormat (4). (The doc's
// "payload too large → InvalidSizeBytes (80)" comes from an encoder error the
// 0.8.0 decoders never raise, so no decoder here returns 80.) SendMessages
// uses the server's separate parser and its own codes (§4.4,
// 101_send_messages.go).
//
// # Files
//
// One command per file, prefixed by its code (101_send_messages.go); shared
// encodings (identifier.go, partitioning.go, permissions.go, user_headers.go)
// and shared response structures (*_info.go) sit beside them. Decoded values
// may alias the payload where a field says so; everything else is copied.
package protocol
