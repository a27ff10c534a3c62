// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"

	"riffle/internal/control"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// Consumer offsets: GetConsumerOffset (120), StoreConsumerOffset (121),
// DeleteConsumerOffset (122). Offsets live with the partition on its owner
// shard, keyed by consumer (kind 1) or group (kind 2).

func (c *conn) offsetRequest(op control.OwnerOp, pt pollTarget) *control.OwnerRequest {
	return &control.OwnerRequest{
		Op: op, Stream: pt.ref.StreamID, Topic: pt.ref.TopicID, Partition: pt.ref.PartitionID,
		PartitionUID: pt.ref.PartitionUID, ConsumerKind: pt.kind, ConsumerID: pt.consumer,
	}
}

func (c *conn) getConsumerOffset(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetConsumerOffset
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var pt pollTarget
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		pt, st = c.resolveConsumer(m, protocol.CodeGetConsumerOffset, req.Consumer, req.Stream, req.Topic, req.Partition, false)
	})
	if notFound(st) {
		return protocol.StatusOK, nil // Iggy answers an unknown partition, topic or group with an empty OK
	}
	if st != protocol.StatusOK {
		return st, nil
	}
	reply, _ := c.s.onOwner(context.Background(), pt.ref.Shard, c.offsetRequest(control.OpGetOffset, pt), nil)
	if reply.Status != 0 {
		return protocol.Status(reply.Status), nil
	}
	if !reply.Found {
		return protocol.StatusOK, nil
	}
	current := reply.Current
	if reply.Empty {
		current = 0
	}
	info := protocol.ConsumerOffsetInfo{PartitionID: pt.ref.PartitionID, CurrentOffset: current, StoredOffset: reply.Stored}
	return protocol.StatusOK, info.AppendTo(nil)
}

func (c *conn) storeConsumerOffset(payload []byte) (protocol.Status, []byte) {
	var req protocol.StoreConsumerOffset
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var pt pollTarget
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		pt, st = c.resolveConsumer(m, protocol.CodeStoreConsumerOffset, req.Consumer, req.Stream, req.Topic, req.Partition, false)
	})
	if st != protocol.StatusOK {
		return st, nil
	}
	r := c.offsetRequest(control.OpStoreOffset, pt)
	r.Offset = req.Offset
	reply, _ := c.s.onOwner(context.Background(), pt.ref.Shard, r, nil)
	return protocol.Status(reply.Status), nil
}

func (c *conn) deleteConsumerOffset(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeleteConsumerOffset
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var pt pollTarget
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		pt, st = c.resolveConsumer(m, protocol.CodeDeleteConsumerOffset, req.Consumer, req.Stream, req.Topic, req.Partition, false)
	})
	if st != protocol.StatusOK {
		return st, nil
	}
	reply, _ := c.s.onOwner(context.Background(), pt.ref.Shard, c.offsetRequest(control.OpDeleteOffset, pt), nil)
	return protocol.Status(reply.Status), nil
}
