// SPDX-License-Identifier: Apache-2.0

// StoreConsumerOffset (121): [consumer][stream Identifier][topic Identifier]
// [partition OptionalPartition][offset u64]; empty OK response. Fully supported.

package protocol

// StoreConsumerOffset is the request payload of StoreConsumerOffset (121).
type StoreConsumerOffset struct {
	Consumer  Consumer
	Stream    Identifier
	Topic     Identifier
	Partition OptionalPartition
	Offset    uint64
}

// Code returns CodeStoreConsumerOffset.
func (*StoreConsumerOffset) Code() Code { return CodeStoreConsumerOffset }

// Size returns the encoded payload size.
func (q *StoreConsumerOffset) Size() int {
	return q.Consumer.Size() + q.Stream.Size() + q.Topic.Size() + OptionalPartitionSize + 8
}

// AppendTo appends the payload encoding.
func (q *StoreConsumerOffset) AppendTo(dst []byte) []byte {
	dst = q.Consumer.AppendTo(dst)
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	dst = q.Partition.AppendTo(dst)
	return appendU64(dst, q.Offset)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *StoreConsumerOffset) Decode(payload []byte) error {
	r := NewReader(payload)
	var v StoreConsumerOffset
	v.Consumer = r.Consumer()
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Partition = r.OptionalPartition()
	v.Offset = r.U64()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
