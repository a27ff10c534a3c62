// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"strconv"
	"testing"
)

func benchMessages(n, size int) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		msgs[i] = Message{OriginTimestamp: uint64(i), Payload: make([]byte, size)}
	}
	return msgs
}

func BenchmarkParseSendMessages(b *testing.B) {
	for _, tc := range []struct{ count, size int }{{1000, 1024}, {1, 1024}, {100, 64 << 10}} {
		b.Run("messages="+strconv.Itoa(tc.count)+"/size="+strconv.Itoa(tc.size), func(b *testing.B) {
			payload := AppendSendMessages(nil, NumericID(1), NumericID(2), Balanced(), benchMessages(tc.count, tc.size))
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseSendMessages(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendSendMessages(b *testing.B) {
	for _, tc := range []struct{ count, size int }{{1000, 1024}, {1, 1024}} {
		b.Run("messages="+strconv.Itoa(tc.count)+"/size="+strconv.Itoa(tc.size), func(b *testing.B) {
			msgs := benchMessages(tc.count, tc.size)
			stream, topic, p := NumericID(1), NumericID(2), Balanced()
			buf := make([]byte, 0, SendMessagesSize(stream, topic, p, msgs))
			b.SetBytes(int64(cap(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendSendMessages(buf[:0], stream, topic, p, msgs)
			}
		})
	}
}

func BenchmarkDecodePolledMessages(b *testing.B) {
	msgs := benchMessages(1000, 1024)
	payload := AppendPollHeader(nil, 0, 999, uint32(len(msgs)))
	for i := range msgs {
		h := MessageHeader{Offset: uint64(i), PayloadLength: uint32(len(msgs[i].Payload))}
		payload = AppendMessageHeader(payload, &h)
		payload = append(payload, msgs[i].Payload...)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodePolledMessages(payload); err != nil {
			b.Fatal(err)
		}
	}
}
