// SPDX-License-Identifier: Apache-2.0

// DeleteConsumerOffset (122): [consumer][stream Identifier][topic Identifier]
// [partition OptionalPartition]; empty OK response. Fully supported.

package protocol

// DeleteConsumerOffset is the request payload of DeleteConsumerOffset (122).
type DeleteConsumerOffset struct {
	Consumer  Consumer
	Stream    Identifier
	Topic     Identifier
	Partition OptionalPartition
}

// Code returns CodeDeleteConsumerOffset.
func (*DeleteConsumerOffset) Code() Code { return CodeDeleteConsumerOffset }

// Size returns the encoded payload size.
func (q *DeleteConsumerOffset) Size() int {
	return q.Consumer.Size() + q.Stream.Size() + q.Topic.Size() + OptionalPartitionSize
}

// AppendTo appends the payload encoding.
func (q *DeleteConsumerOffset) AppendTo(dst []byte) []byte {
	dst = q.Consumer.AppendTo(dst)
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return q.Partition.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeleteConsumerOffset) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeleteConsumerOffset
	v.Consumer = r.Consumer()
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Partition = r.OptionalPartition()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
