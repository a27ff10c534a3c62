// SPDX-License-Identifier: Apache-2.0

package protocol

import "strconv"

// IDKind is the kind byte of an Identifier.
type IDKind uint8

// Identifier kinds (protocol doc §2.2).
const (
	IDNumeric IDKind = 1
	IDString  IDKind = 2
)

// Identifier addresses a stream, topic, consumer group or user by numeric ID
// or by name (protocol doc §2.2):
//
//	[kind u8][length u8][value]   numeric: kind 1, length 4, u32 LE
//	                              string:  kind 2, length 1..255, UTF-8
//
// Numeric 0 is valid (IDs are 0-based). The zero Identifier is invalid.
type Identifier struct {
	Kind    IDKind
	Numeric uint32 // when Kind == IDNumeric
	Name    string // when Kind == IDString
}

// NumericID returns a numeric Identifier.
func NumericID(id uint32) Identifier { return Identifier{Kind: IDNumeric, Numeric: id} }

// NamedID returns a string Identifier. name must be 1..255 bytes of UTF-8
// for the server to accept it.
func NamedID(name string) Identifier { return Identifier{Kind: IDString, Name: name} }

// IsNumeric reports whether id is numeric.
func (id Identifier) IsNumeric() bool { return id.Kind == IDNumeric }

// Size returns the encoded size: 2 + value length.
func (id Identifier) Size() int {
	if id.Kind == IDString {
		return 2 + len(id.Name)
	}
	return 6
}

// AppendTo appends the encoding of id. Any kind other than IDString is
// written as numeric.
func (id Identifier) AppendTo(dst []byte) []byte {
	if id.Kind == IDString {
		dst = append(dst, byte(IDString))
		return appendName(dst, id.Name)
	}
	return append(dst, byte(IDNumeric), 4,
		byte(id.Numeric), byte(id.Numeric>>8), byte(id.Numeric>>16), byte(id.Numeric>>24))
}

// String returns the number or the name, for logs.
func (id Identifier) String() string {
	if id.Kind == IDString {
		return id.Name
	}
	return strconv.FormatUint(uint64(id.Numeric), 10)
}

// Identifier reads an Identifier the way the 0.8.0 decoder does: kind,
// length and value are read first (short → StatusInvalidCommand); then a
// numeric length other than 4 or an empty string is StatusInvalidFormat,
// invalid UTF-8 and unknown kinds are StatusInvalidCommand.
func (r *Reader) Identifier() Identifier {
	start := r.off
	kind := IDKind(r.U8())
	n := int(r.U8())
	value := r.Bytes(n)
	if r.err != nil {
		return Identifier{}
	}
	switch kind {
	case IDNumeric:
		if n != 4 {
			r.off = start
			r.Fail(StatusInvalidFormat, "numeric identifier length "+strconv.Itoa(n)+", want 4")
			return Identifier{}
		}
		return NumericID(uint32(value[0]) | uint32(value[1])<<8 | uint32(value[2])<<16 | uint32(value[3])<<24)
	case IDString:
		if n == 0 {
			r.off = start
			r.Fail(StatusInvalidFormat, "empty string identifier")
			return Identifier{}
		}
		r.off -= n
		name := r.String(n)
		if r.err != nil {
			return Identifier{}
		}
		return NamedID(name)
	default:
		r.off = start
		r.Fail(StatusInvalidCommand, "unknown identifier kind "+strconv.Itoa(int(kind)))
		return Identifier{}
	}
}

// ConsumerKind is the kind byte of a Consumer.
type ConsumerKind uint8

// Consumer kinds (protocol doc §2.3).
const (
	ConsumerKindSingle ConsumerKind = 1
	ConsumerKindGroup  ConsumerKind = 2
)

// Consumer is [kind u8][id Identifier]: a single consumer (kind 1) or a
// consumer group (kind 2).
type Consumer struct {
	Kind ConsumerKind
	ID   Identifier
}

// SingleConsumer returns a kind-1 consumer.
func SingleConsumer(id Identifier) Consumer { return Consumer{Kind: ConsumerKindSingle, ID: id} }

// GroupConsumer returns a kind-2 (consumer group) consumer.
func GroupConsumer(id Identifier) Consumer { return Consumer{Kind: ConsumerKindGroup, ID: id} }

// Size returns the encoded size.
func (c Consumer) Size() int { return 1 + c.ID.Size() }

// AppendTo appends the encoding of c.
func (c Consumer) AppendTo(dst []byte) []byte {
	return c.ID.AppendTo(append(dst, byte(c.Kind)))
}

// Consumer reads a Consumer; a kind other than 1 or 2 is
// StatusInvalidCommand, checked before the identifier is read.
func (r *Reader) Consumer() Consumer {
	kind := ConsumerKind(r.U8())
	if r.err != nil {
		return Consumer{}
	}
	if kind != ConsumerKindSingle && kind != ConsumerKindGroup {
		r.off--
		r.Fail(StatusInvalidCommand, "unknown consumer kind "+strconv.Itoa(int(kind)))
		return Consumer{}
	}
	return Consumer{Kind: kind, ID: r.Identifier()}
}

// OptionalPartition is the 5-byte [flag u8][partition_id u32] of
// PollMessages and the consumer-offset commands (protocol doc §2.4). Only
// flag 1 means present; the ID of an absent partition is ignored and
// written as 0.
type OptionalPartition struct {
	Present bool
	ID      uint32
}

// SomePartition returns a present OptionalPartition.
func SomePartition(id uint32) OptionalPartition { return OptionalPartition{Present: true, ID: id} }

// OptionalPartitionSize is the encoded size of an OptionalPartition.
const OptionalPartitionSize = 5

// AppendTo appends the 5-byte encoding of p.
func (p OptionalPartition) AppendTo(dst []byte) []byte {
	if !p.Present {
		return append(dst, 0, 0, 0, 0, 0)
	}
	return appendU32(append(dst, 1), p.ID)
}

// OptionalPartition reads 5 bytes; flag 1 is present, anything else absent.
func (r *Reader) OptionalPartition() OptionalPartition {
	flag := r.U8()
	id := r.U32()
	if flag != 1 {
		return OptionalPartition{}
	}
	return OptionalPartition{Present: true, ID: id}
}

// PollingKind is the kind byte of a PollingStrategy.
type PollingKind uint8

// Polling kinds (protocol doc §2.6).
const (
	PollOffset    PollingKind = 1 // Value = first offset
	PollTimestamp PollingKind = 2 // Value = µs since epoch
	PollFirst     PollingKind = 3
	PollLast      PollingKind = 4
	PollNext      PollingKind = 5
)

// PollingStrategy is [kind u8][value u64] (9 bytes).
type PollingStrategy struct {
	Kind  PollingKind
	Value uint64
}

// PollingStrategySize is the encoded size of a PollingStrategy.
const PollingStrategySize = 9

// AppendTo appends the encoding of s.
func (s PollingStrategy) AppendTo(dst []byte) []byte {
	return appendU64(append(dst, byte(s.Kind)), s.Value)
}

// PollingStrategy reads a strategy; a kind outside 1..5 is
// StatusInvalidCommand, checked before the value is read.
func (r *Reader) PollingStrategy() PollingStrategy {
	kind := PollingKind(r.U8())
	if r.err != nil {
		return PollingStrategy{}
	}
	if kind < PollOffset || kind > PollNext {
		r.off--
		r.Fail(StatusInvalidCommand, "unknown polling kind "+strconv.Itoa(int(kind)))
		return PollingStrategy{}
	}
	return PollingStrategy{Kind: kind, Value: r.U64()}
}
