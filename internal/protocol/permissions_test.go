// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"reflect"
	"testing"
)

// samplePermissionsHex is written from §2.7: all ten global flags, stream 1
// with topics 2 and 5.
const samplePermissionsHex = `
	01010101010101010101        # global
	01                          # has_streams
	01000000 000100010100       # stream 1, 6 flags
	01                          # has_topics
	02000000 00010101 01        # topic 2, next
	05000000 01000000 00        # topic 5, last
	00                          # last stream`

func samplePermissions() *Permissions {
	return &Permissions{
		Global: GlobalPermissions{true, true, true, true, true, true, true, true, true, true},
		Streams: []StreamPermissions{{
			StreamID: 1, ReadStream: true, ReadTopics: true, PollMessages: true,
			Topics: []TopicPermissions{
				{TopicID: 2, ReadTopic: true, PollMessages: true, SendMessages: true},
				{TopicID: 5, ManageTopic: true},
			},
		}},
	}
}

func TestPermissionsMatchProtocolLayout(t *testing.T) {
	want := unhex(t, samplePermissionsHex)
	p := samplePermissions()
	if got := p.AppendTo(nil); !bytes.Equal(got, want) || p.Size() != len(want) {
		t.Fatalf("AppendTo = %x (size %d)\nwant       %x", got, p.Size(), want)
	}
	r := NewReader(want)
	if got := r.Permissions(); !reflect.DeepEqual(&got, p) || r.Finish() != nil || r.Remaining() != 0 {
		t.Fatalf("decode = %+v, %v", got, r.Finish())
	}
	empty := &Permissions{}
	if got := empty.AppendTo(nil); !bytes.Equal(got, make([]byte, 11)) || empty.Size() != 11 {
		t.Fatalf("no-stream permissions = %x", got)
	}
}

func TestPermissionsDecodeAnyOrderAndEncodeSorted(t *testing.T) {
	// Stream 7 before stream 3, topic 9 before topic 4, and a flag byte of
	// 2: the Go SDK writes map order, and any non-zero byte is true.
	in := unhex(t, `
		00000000000000000002         # global, send_messages = 2
		01
		07000000 000000000000 00 01  # stream 7, no topics, next
		03000000 010000000000 01     # stream 3, topics follow
		09000000 01000000 01         # topic 9, next
		04000000 00000001 00         # topic 4, last
		00                           # last stream`)
	r := NewReader(in)
	p := r.Permissions()
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if !p.Global.SendMessages || p.Streams[0].StreamID != 3 || p.Streams[1].StreamID != 7 ||
		p.Streams[0].Topics[0].TopicID != 4 || p.Streams[0].Topics[1].TopicID != 9 {
		t.Fatalf("decoded %+v, want streams and topics sorted by ID", p)
	}
	// Encoding a hand-built unsorted value sorts it without touching it.
	p.Streams[0], p.Streams[1] = p.Streams[1], p.Streams[0]
	before := samplePermissionsDeepCopy(&p)
	out := p.AppendTo(nil)
	if !reflect.DeepEqual(before, &p) {
		t.Fatal("AppendTo modified its receiver")
	}
	r = NewReader(out)
	q := r.Permissions()
	if q.Streams[0].StreamID != 3 || q.Streams[1].StreamID != 7 ||
		q.Streams[0].Topics[0].TopicID != 4 || q.Streams[0].Topics[1].TopicID != 9 {
		t.Fatalf("re-encoded order: %+v", q)
	}
	if len(out) != len(in) || out[9] != 1 {
		t.Fatalf("re-encoded %x", out)
	}
}

func samplePermissionsDeepCopy(p *Permissions) *Permissions {
	c := *p
	c.Streams = append([]StreamPermissions(nil), p.Streams...)
	for i := range c.Streams {
		c.Streams[i].Topics = append([]TopicPermissions(nil), p.Streams[i].Topics...)
	}
	return &c
}

func TestOptionalPermissionsWrapper(t *testing.T) {
	perms := samplePermissions().AppendTo(nil)
	withLen := func(n uint32) []byte {
		return append(appendU32([]byte{1}, n), perms...)
	}
	for _, tc := range []struct {
		name    string
		in      []byte
		present bool
		want    Status
	}{
		{"absent", []byte{0}, false, StatusOK},
		{"flag 2 is absent", []byte{2}, false, StatusOK},
		{"present", withLen(uint32(len(perms))), true, StatusOK},
		{"length too big", withLen(uint32(len(perms)) + 1), false, StatusInvalidFormat},
		{"length too small", withLen(11), false, StatusInvalidFormat},
		{"cut short", withLen(uint32(len(perms)))[:20], false, StatusInvalidCommand},
		{"no length", []byte{1, 5}, false, StatusInvalidCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.in)
			p := r.OptionalPermissions()
			if got := StatusFromError(r.Finish()); got != tc.want {
				t.Fatalf("status %v, want %v", got, tc.want)
			}
			if (p != nil) != tc.present {
				t.Fatalf("present = %v", p != nil)
			}
		})
	}
}
