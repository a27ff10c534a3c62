// SPDX-License-Identifier: Apache-2.0

package protocol

import "strconv"

// StreamInfoFixedSize is the size of a StreamInfo without its name bytes.
const StreamInfoFixedSize = 33

// StreamInfo is a stream header (protocol doc §3.3.1): an element of
// GetStreams, the response of CreateStream and the head of GetStream.
//
//	off  0 id u32         4 created_at u64 µs    12 topics_count u32
//	    16 size_bytes u64 24 messages_count u64  32 name Name
type StreamInfo struct {
	ID            uint32
	CreatedAt     uint64
	TopicsCount   uint32
	SizeBytes     uint64
	MessagesCount uint64
	Name          string
}

// Size returns the encoded size, 33 + len(Name).
func (s *StreamInfo) Size() int { return StreamInfoFixedSize + len(s.Name) }

// AppendTo appends the encoding of s.
func (s *StreamInfo) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, s.ID)
	dst = appendU64(dst, s.CreatedAt)
	dst = appendU32(dst, s.TopicsCount)
	dst = appendU64(dst, s.SizeBytes)
	dst = appendU64(dst, s.MessagesCount)
	return appendName(dst, s.Name)
}

// Decode reads one StreamInfo (the CreateStream response); an empty payload
// is ErrEmpty.
func (s *StreamInfo) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	*s = r.streamInfo()
	return r.Finish()
}

func (r *Reader) streamInfo() StreamInfo {
	var s StreamInfo
	s.ID = r.U32()
	s.CreatedAt = r.U64()
	s.TopicsCount = r.U32()
	s.SizeBytes = r.U64()
	s.MessagesCount = r.U64()
	s.Name = r.Name()
	return s
}

// StreamList is the GetStreams response: StreamInfo × N, sorted by ID by the
// server. An empty payload is an empty list.
type StreamList []StreamInfo

// AppendTo appends the concatenated encodings.
func (l StreamList) AppendTo(dst []byte) []byte {
	for i := range l {
		dst = l[i].AppendTo(dst)
	}
	return dst
}

// Decode reads StreamInfo records to the end of the payload.
func (l *StreamList) Decode(payload []byte) error {
	r := NewReader(payload)
	out := make(StreamList, 0, r.capacity(uint64(len(payload)), StreamInfoFixedSize+1))
	for r.Remaining() > 0 && !r.Failed() {
		out = append(out, r.streamInfo())
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*l = out
	return nil
}

// StreamDetails is the GetStream response: the stream header followed by
// its topics (sorted by ID by the server). AppendTo writes len(Topics) as
// topics_count; Decode reads topics to the end of the payload and rejects a
// count mismatch with StatusInvalidFormat, as the Rust SDK does.
type StreamDetails struct {
	Stream StreamInfo
	Topics []TopicInfo
}

// AppendTo appends the encoding of d.
func (d *StreamDetails) AppendTo(dst []byte) []byte {
	s := d.Stream
	s.TopicsCount = uint32(len(d.Topics))
	dst = s.AppendTo(dst)
	for i := range d.Topics {
		dst = d.Topics[i].AppendTo(dst)
	}
	return dst
}

// Decode reads a GetStream response; an empty payload (stream not found) is
// ErrEmpty.
func (d *StreamDetails) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	s := r.streamInfo()
	topics := make([]TopicInfo, 0, r.capacity(uint64(s.TopicsCount), TopicInfoFixedSize+1))
	for r.Remaining() > 0 && !r.Failed() {
		topics = append(topics, r.topicInfo())
	}
	if !r.Failed() && uint64(len(topics)) != uint64(s.TopicsCount) {
		r.Fail(StatusInvalidFormat, "topics_count "+strconv.FormatUint(uint64(s.TopicsCount), 10)+
			", decoded "+strconv.Itoa(len(topics)))
	}
	if err := r.Finish(); err != nil {
		return err
	}
	d.Stream, d.Topics = s, topics
	return nil
}
