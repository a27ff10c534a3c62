// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"
	"errors"
	"fmt"

	"riffle/internal/protocol"
)

// SendMessages sends one batch to a topic (SendMessages, 101). The request is
// encoded into a buffer the client reuses, so steady-state sends do not
// allocate; msgs are not retained.
func (c *Client) SendMessages(ctx context.Context, stream, topic protocol.Identifier, p protocol.Partitioning, msgs []protocol.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return err
	}
	c.wbuf = protocol.AppendRequestHeader(c.wbuf[:0], protocol.CodeSendMessages, protocol.SendMessagesSize(stream, topic, p, msgs))
	c.wbuf = protocol.AppendSendMessages(c.wbuf, stream, topic, p, msgs)
	_, err := c.exchangeLocked(ctx, protocol.CodeSendMessages, nil, nil)
	return err
}

// PollMessages polls messages (PollMessages, 100). The result owns its
// memory (payloads alias a buffer allocated for this call only).
func (c *Client) PollMessages(ctx context.Context, q protocol.PollMessages) (protocol.PolledMessages, error) {
	p, err := c.call(ctx, &q)
	if err != nil {
		return protocol.PolledMessages{}, err
	}
	m, err := protocol.DecodePolledMessages(p)
	switch {
	case err == nil:
		return m, nil
	case errors.Is(err, protocol.ErrEmpty):
		return protocol.PolledMessages{}, ErrNotFound
	default:
		return protocol.PolledMessages{}, fmt.Errorf("decode %s response: %w: %w", protocol.CodePollMessages, ErrProtocol, err)
	}
}

// FlushUnsavedBuffer asks the partition's owner to write (and with fsync,
// sync) what it buffers (FlushUnsavedBuffer, 102).
func (c *Client) FlushUnsavedBuffer(ctx context.Context, stream, topic protocol.Identifier, partition uint32, fsync bool) error {
	_, err := c.call(ctx, &protocol.FlushUnsavedBuffer{Stream: stream, Topic: topic, PartitionID: partition, Fsync: fsync})
	return err
}

// GetConsumerOffset returns a consumer's stored offset (GetConsumerOffset,
// 120), or ErrNotFound when none is stored.
func (c *Client) GetConsumerOffset(ctx context.Context, consumer protocol.Consumer, stream, topic protocol.Identifier, partition protocol.OptionalPartition) (protocol.ConsumerOffsetInfo, error) {
	var o protocol.ConsumerOffsetInfo
	p, err := c.call(ctx, &protocol.GetConsumerOffset{Consumer: consumer, Stream: stream, Topic: topic, Partition: partition})
	if err == nil {
		err = decode(protocol.CodeGetConsumerOffset, p, &o)
	}
	return o, err
}

// StoreConsumerOffset stores a consumer's offset (StoreConsumerOffset, 121).
func (c *Client) StoreConsumerOffset(ctx context.Context, consumer protocol.Consumer, stream, topic protocol.Identifier, partition protocol.OptionalPartition, offset uint64) error {
	_, err := c.call(ctx, &protocol.StoreConsumerOffset{Consumer: consumer, Stream: stream, Topic: topic, Partition: partition, Offset: offset})
	return err
}

// DeleteConsumerOffset deletes a consumer's stored offset
// (DeleteConsumerOffset, 122).
func (c *Client) DeleteConsumerOffset(ctx context.Context, consumer protocol.Consumer, stream, topic protocol.Identifier, partition protocol.OptionalPartition) error {
	_, err := c.call(ctx, &protocol.DeleteConsumerOffset{Consumer: consumer, Stream: stream, Topic: topic, Partition: partition})
	return err
}
