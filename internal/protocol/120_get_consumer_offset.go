// SPDX-License-Identifier: Apache-2.0

// GetConsumerOffset (120): [consumer][stream Identifier][topic Identifier]
// [partition OptionalPartition]; the response is a ConsumerOffsetInfo, or an
// empty OK when no offset is stored (the 0.8.0 handler also answers an
// unknown partition with an empty OK). Fully supported.

package protocol

// GetConsumerOffset is the request payload of GetConsumerOffset (120).
type GetConsumerOffset struct {
	Consumer  Consumer
	Stream    Identifier
	Topic     Identifier
	Partition OptionalPartition
}

// Code returns CodeGetConsumerOffset.
func (*GetConsumerOffset) Code() Code { return CodeGetConsumerOffset }

// Size returns the encoded payload size.
func (q *GetConsumerOffset) Size() int {
	return q.Consumer.Size() + q.Stream.Size() + q.Topic.Size() + OptionalPartitionSize
}

// AppendTo appends the payload encoding.
func (q *GetConsumerOffset) AppendTo(dst []byte) []byte {
	dst = q.Consumer.AppendTo(dst)
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return q.Partition.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetConsumerOffset) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetConsumerOffset
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

// ConsumerOffsetInfoSize is the encoded size of a ConsumerOffsetInfo.
const ConsumerOffsetInfoSize = 20

// ConsumerOffsetInfo is the GetConsumerOffset response (protocol doc §3.3.9):
// [partition_id u32][current_offset u64][stored_offset u64].
type ConsumerOffsetInfo struct {
	PartitionID   uint32
	CurrentOffset uint64 // the partition's last offset
	StoredOffset  uint64
}

// AppendTo appends the 20-byte encoding of o.
func (o *ConsumerOffsetInfo) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, o.PartitionID)
	dst = appendU64(dst, o.CurrentOffset)
	return appendU64(dst, o.StoredOffset)
}

// Decode reads the response; an empty payload (no offset stored) is
// ErrEmpty.
func (o *ConsumerOffsetInfo) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	var v ConsumerOffsetInfo
	v.PartitionID = r.U32()
	v.CurrentOffset = r.U64()
	v.StoredOffset = r.U64()
	if err := r.Finish(); err != nil {
		return err
	}
	*o = v
	return nil
}
