// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"slices"
	"strconv"
)

// Permissions is a user's permission set (protocol doc §2.7):
//
//	global: 10 bools (u8, non-zero = true) in field order
//	has_streams u8, then per stream:
//	  stream_id u32, 6 bools, has_topics u8,
//	  then per topic: topic_id u32, 4 bools, has_next_topic u8
//	  has_next_stream u8
//
// Decoding accepts streams and topics in any order (the Go SDK writes map
// order) and returns them sorted by ID (stably: duplicates keep their order);
// AppendTo writes them sorted by ID, as the Rust SDK and server do, without
// modifying the receiver.
type Permissions struct {
	Global  GlobalPermissions
	Streams []StreamPermissions
}

// GlobalPermissions are the ten server-wide flags, in wire order.
type GlobalPermissions struct {
	ManageServers bool
	ReadServers   bool
	ManageUsers   bool
	ReadUsers     bool
	ManageStreams bool
	ReadStreams   bool
	ManageTopics  bool
	ReadTopics    bool
	PollMessages  bool
	SendMessages  bool
}

// StreamPermissions are the flags of one stream, in wire order, and its
// topics.
type StreamPermissions struct {
	StreamID     uint32
	ManageStream bool
	ReadStream   bool
	ManageTopics bool
	ReadTopics   bool
	PollMessages bool
	SendMessages bool
	Topics       []TopicPermissions
}

// TopicPermissions are the flags of one topic, in wire order.
type TopicPermissions struct {
	TopicID      uint32
	ManageTopic  bool
	ReadTopic    bool
	PollMessages bool
	SendMessages bool
}

// Size returns the encoded size: 11 + Σ(12 + 9 × topics).
func (p *Permissions) Size() int {
	n := 11
	for i := range p.Streams {
		n += 12 + 9*len(p.Streams[i].Topics)
	}
	return n
}

// AppendTo appends the encoding of p, streams and topics sorted by ID.
func (p *Permissions) AppendTo(dst []byte) []byte {
	g := &p.Global
	dst = appendBool(dst, g.ManageServers)
	dst = appendBool(dst, g.ReadServers)
	dst = appendBool(dst, g.ManageUsers)
	dst = appendBool(dst, g.ReadUsers)
	dst = appendBool(dst, g.ManageStreams)
	dst = appendBool(dst, g.ReadStreams)
	dst = appendBool(dst, g.ManageTopics)
	dst = appendBool(dst, g.ReadTopics)
	dst = appendBool(dst, g.PollMessages)
	dst = appendBool(dst, g.SendMessages)
	if len(p.Streams) == 0 {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	streams := p.Streams
	if !slices.IsSortedFunc(streams, cmpStream) {
		streams = slices.Clone(streams)
		slices.SortStableFunc(streams, cmpStream)
	}
	for i := range streams {
		s := &streams[i]
		dst = appendU32(dst, s.StreamID)
		dst = appendBool(dst, s.ManageStream)
		dst = appendBool(dst, s.ReadStream)
		dst = appendBool(dst, s.ManageTopics)
		dst = appendBool(dst, s.ReadTopics)
		dst = appendBool(dst, s.PollMessages)
		dst = appendBool(dst, s.SendMessages)
		dst = appendTopicPermissions(dst, s.Topics)
		dst = appendBool(dst, i < len(streams)-1)
	}
	return dst
}

func appendTopicPermissions(dst []byte, topics []TopicPermissions) []byte {
	if len(topics) == 0 {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	if !slices.IsSortedFunc(topics, cmpTopic) {
		topics = slices.Clone(topics)
		slices.SortStableFunc(topics, cmpTopic)
	}
	for i := range topics {
		t := &topics[i]
		dst = appendU32(dst, t.TopicID)
		dst = appendBool(dst, t.ManageTopic)
		dst = appendBool(dst, t.ReadTopic)
		dst = appendBool(dst, t.PollMessages)
		dst = appendBool(dst, t.SendMessages)
		dst = appendBool(dst, i < len(topics)-1)
	}
	return dst
}

func cmpStream(a, b StreamPermissions) int { return cmpU32(a.StreamID, b.StreamID) }
func cmpTopic(a, b TopicPermissions) int   { return cmpU32(a.TopicID, b.TopicID) }

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Permissions reads a permission set as the 0.8.0 decoder does: the has_*
// flags are true when non-zero, lists run until a zero "next" flag, and
// running out of input is StatusInvalidCommand. Every stream or topic
// consumes at least 10 bytes, so the lists are bounded by the input.
func (r *Reader) Permissions() Permissions {
	var p Permissions
	g := &p.Global
	g.ManageServers = r.Bool()
	g.ReadServers = r.Bool()
	g.ManageUsers = r.Bool()
	g.ReadUsers = r.Bool()
	g.ManageStreams = r.Bool()
	g.ReadStreams = r.Bool()
	g.ManageTopics = r.Bool()
	g.ReadTopics = r.Bool()
	g.PollMessages = r.Bool()
	g.SendMessages = r.Bool()
	if !r.Bool() {
		return p
	}
	for !r.Failed() {
		var s StreamPermissions
		s.StreamID = r.U32()
		s.ManageStream = r.Bool()
		s.ReadStream = r.Bool()
		s.ManageTopics = r.Bool()
		s.ReadTopics = r.Bool()
		s.PollMessages = r.Bool()
		s.SendMessages = r.Bool()
		if r.Bool() {
			for !r.Failed() {
				var t TopicPermissions
				t.TopicID = r.U32()
				t.ManageTopic = r.Bool()
				t.ReadTopic = r.Bool()
				t.PollMessages = r.Bool()
				t.SendMessages = r.Bool()
				s.Topics = append(s.Topics, t)
				if !r.Bool() {
					break
				}
			}
		}
		p.Streams = append(p.Streams, s)
		if !r.Bool() {
			break
		}
	}
	if r.Failed() {
		return Permissions{}
	}
	// Sort into the canonical order so a decoded value re-encodes to itself;
	// the sort is stable, so of duplicate IDs the last one sent stays last.
	slices.SortStableFunc(p.Streams, cmpStream)
	for i := range p.Streams {
		slices.SortStableFunc(p.Streams[i].Topics, cmpTopic)
	}
	return p
}

// OptionalPermissions reads the request wrapper
// [has u8]([len u32][permissions])?: only has == 1 means present; the
// permissions are decoded from the rest of the payload and a len that
// differs from the bytes they took is StatusInvalidFormat, as in the 0.8.0
// decoder (CreateUser, UpdatePermissions).
func (r *Reader) OptionalPermissions() *Permissions {
	if r.U8() != 1 {
		return nil
	}
	n := r.U32()
	start := r.off
	p := r.Permissions()
	if r.Failed() {
		return nil
	}
	if got := r.off - start; uint64(got) != uint64(n) {
		r.off = start - 4
		r.Fail(StatusInvalidFormat, "permissions length "+strconv.FormatUint(uint64(n), 10)+
			", decoded "+strconv.Itoa(got))
		return nil
	}
	return &p
}

// appendOptionalPermissions writes the request wrapper: [0] or
// [1][len u32][permissions].
func appendOptionalPermissions(dst []byte, p *Permissions) []byte {
	if p == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = appendU32(dst, uint32(p.Size()))
	return p.AppendTo(dst)
}

// optionalPermissionsSize is the encoded size of the request wrapper.
func optionalPermissionsSize(p *Permissions) int {
	if p == nil {
		return 1
	}
	return 5 + p.Size()
}
