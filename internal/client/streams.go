// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"

	"riffle/internal/protocol"
)

// GetStream returns a stream and its topics (GetStream, 200), or ErrNotFound.
func (c *Client) GetStream(ctx context.Context, stream protocol.Identifier) (protocol.StreamDetails, error) {
	var d protocol.StreamDetails
	p, err := c.call(ctx, &protocol.GetStream{Stream: stream})
	if err == nil {
		err = decode(protocol.CodeGetStream, p, &d)
	}
	return d, err
}

// GetStreams lists the streams (GetStreams, 201).
func (c *Client) GetStreams(ctx context.Context) (protocol.StreamList, error) {
	var l protocol.StreamList
	p, err := c.call(ctx, &protocol.GetStreams{})
	if err == nil {
		err = decode(protocol.CodeGetStreams, p, &l)
	}
	return l, err
}

// CreateStream creates a stream; the server assigns its ID (CreateStream, 202).
func (c *Client) CreateStream(ctx context.Context, name string) (protocol.StreamInfo, error) {
	var s protocol.StreamInfo
	p, err := c.call(ctx, &protocol.CreateStream{Name: name})
	if err == nil {
		err = decode(protocol.CodeCreateStream, p, &s)
	}
	return s, err
}

// DeleteStream deletes a stream and everything in it (DeleteStream, 203).
func (c *Client) DeleteStream(ctx context.Context, stream protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.DeleteStream{Stream: stream})
	return err
}

// UpdateStream renames a stream (UpdateStream, 204).
func (c *Client) UpdateStream(ctx context.Context, stream protocol.Identifier, name string) error {
	_, err := c.call(ctx, &protocol.UpdateStream{Stream: stream, Name: name})
	return err
}

// PurgeStream deletes the messages of every topic of a stream (PurgeStream,
// 205).
func (c *Client) PurgeStream(ctx context.Context, stream protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.PurgeStream{Stream: stream})
	return err
}

// GetTopic returns a topic and its partitions (GetTopic, 300), or
// ErrNotFound.
func (c *Client) GetTopic(ctx context.Context, stream, topic protocol.Identifier) (protocol.TopicDetails, error) {
	var d protocol.TopicDetails
	p, err := c.call(ctx, &protocol.GetTopic{Stream: stream, Topic: topic})
	if err == nil {
		err = decode(protocol.CodeGetTopic, p, &d)
	}
	return d, err
}

// GetTopics lists the topics of a stream (GetTopics, 301).
func (c *Client) GetTopics(ctx context.Context, stream protocol.Identifier) (protocol.TopicList, error) {
	var l protocol.TopicList
	p, err := c.call(ctx, &protocol.GetTopics{Stream: stream})
	if err == nil {
		err = decode(protocol.CodeGetTopics, p, &l)
	}
	return l, err
}

// CreateTopic creates a topic with its partitions; the server assigns its ID
// (CreateTopic, 302).
func (c *Client) CreateTopic(ctx context.Context, q protocol.CreateTopic) (protocol.TopicDetails, error) {
	var d protocol.TopicDetails
	p, err := c.call(ctx, &q)
	if err == nil {
		err = decode(protocol.CodeCreateTopic, p, &d)
	}
	return d, err
}

// DeleteTopic deletes a topic (DeleteTopic, 303).
func (c *Client) DeleteTopic(ctx context.Context, stream, topic protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.DeleteTopic{Stream: stream, Topic: topic})
	return err
}

// UpdateTopic replaces a topic's name, compression, expiry, size limit and
// replication factor (UpdateTopic, 304).
func (c *Client) UpdateTopic(ctx context.Context, q protocol.UpdateTopic) error {
	_, err := c.call(ctx, &q)
	return err
}

// PurgeTopic deletes the messages of a topic (PurgeTopic, 305).
func (c *Client) PurgeTopic(ctx context.Context, stream, topic protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.PurgeTopic{Stream: stream, Topic: topic})
	return err
}

// CreatePartitions adds count partitions to a topic (CreatePartitions, 402).
func (c *Client) CreatePartitions(ctx context.Context, stream, topic protocol.Identifier, count uint32) error {
	_, err := c.call(ctx, &protocol.CreatePartitions{Stream: stream, Topic: topic, PartitionsCount: count})
	return err
}

// DeletePartitions removes the last count partitions of a topic
// (DeletePartitions, 403).
func (c *Client) DeletePartitions(ctx context.Context, stream, topic protocol.Identifier, count uint32) error {
	_, err := c.call(ctx, &protocol.DeletePartitions{Stream: stream, Topic: topic, PartitionsCount: count})
	return err
}

// DeleteSegments deletes the oldest count segments of a partition
// (DeleteSegments, 503).
func (c *Client) DeleteSegments(ctx context.Context, stream, topic protocol.Identifier, partition, count uint32) error {
	_, err := c.call(ctx, &protocol.DeleteSegments{Stream: stream, Topic: topic, PartitionID: partition, SegmentsCount: count})
	return err
}
