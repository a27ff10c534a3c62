// SPDX-License-Identifier: Apache-2.0

package client_test

import (
	"context"
	"fmt"
	"testing"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// BenchmarkSendMessages measures the client side of a SendMessages round trip
// (encode into the reused buffer, write, read the empty OK) against a fake
// server on loopback, per batch of 100 messages.
func BenchmarkSendMessages(b *testing.B) {
	for _, size := range []int{64, 1024, 16 << 10} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			addr := serveFake(b, func(frame) reply { return reply{} }, true)
			c, err := client.Dial(context.Background(), addr, client.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msgs := make([]protocol.Message, 100)
			payload := make([]byte, size)
			for i := range msgs {
				msgs[i].Payload = payload
			}
			stream, topic := protocol.NumericID(1), protocol.NumericID(1)
			ctx := context.Background()
			b.SetBytes(int64(len(msgs) * size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.SendMessages(ctx, stream, topic, protocol.PartitionByID(0), msgs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPing measures one empty round trip.
func BenchmarkPing(b *testing.B) {
	addr := serveFake(b, func(frame) reply { return reply{} }, true)
	c, err := client.Dial(context.Background(), addr, client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
