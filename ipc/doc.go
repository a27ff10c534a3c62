// SPDX-License-Identifier: Apache-2.0

// Package ipc is the transport between riffle's own processes: the supervisor,
// the front and the shards, and the `riffle` admin client over ctl.sock.
//
// Every channel is a Unix-domain SOCK_STREAM socket. Channels between
// processes of one server are socketpairs made by the supervisor (Pair) and
// inherited at exec or passed over an existing channel; only ctl.sock has a
// path. ipc knows nothing of partitions or Iggy commands.
//
// # Frames
//
//	+-----------+------------+----------------------+---------------+
//	| size u32  | hsize u32  | header (msgpack map) | body (raw)    |
//	+-----------+------------+----------------------+---------------+
//	  size = 4 + hsize + len(body), little endian
//
// The header is a msgpack map (Frame's fields with explicit tags, plus a
// version), and Meta inside it is the msgpack encoding of the typed message,
// so a child built from newer code still understands its parent. The body is
// raw bytes and never re-encoded (a 1 MiB message batch travels as is).
//
// A frame may carry file descriptors (SCM_RIGHTS). They travel with the
// frame's first bytes; the receiver queues every descriptor it gets and hands
// a frame the number its header declares. Ownership is explicit: WriteFrame
// closes the sender's copies once they are sent (or on error), and the
// receiver owns the *os.File values in Frame.Files.
//
// # Concurrency
//
// Conn: one goroutine reads (ReadFrame); any number may write (WriteFrame
// serializes whole frames). Peer adds request/reply matching on top of a
// Conn: Call from any goroutine, handlers run on the reading goroutine in
// arrival order (a handler that blocks must hand its work to another goroutine).
package ipc
