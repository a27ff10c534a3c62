// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"testing"
)

func TestIdentifierMatchesProtocolExamples(t *testing.T) {
	// §2.2: numeric 1 and string "orders".
	for _, tc := range []struct {
		id  Identifier
		hex string
	}{
		{NumericID(1), "01 04 01000000"},
		{NamedID("orders"), "02 06 6F72646572 73"},
		{NumericID(0), "01 04 00000000"},
	} {
		want := unhex(t, tc.hex)
		if got := tc.id.AppendTo(nil); !bytes.Equal(got, want) || tc.id.Size() != len(want) {
			t.Fatalf("%v: AppendTo = %x size %d, want %x", tc.id, got, tc.id.Size(), want)
		}
		r := NewReader(want)
		if got := r.Identifier(); got != tc.id || r.Finish() != nil {
			t.Fatalf("decode %x = %+v, %v", want, got, r.Finish())
		}
	}
}

func TestIdentifierDecodeErrorsFollowTheServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want Status
	}{
		{"numeric with length 2", "01 02 0100", StatusInvalidFormat},
		{"numeric with length 5", "01 05 0100000000", StatusInvalidFormat},
		{"empty string", "02 00", StatusInvalidFormat},
		{"invalid UTF-8", "02 02 C328", StatusInvalidCommand},
		{"unknown kind", "03 04 01000000", StatusInvalidCommand},
		{"kind 0", "00 04 01000000", StatusInvalidCommand},
		{"value cut short", "01 04 0100", StatusInvalidCommand},
		{"string cut short", "02 06 6F72", StatusInvalidCommand},
		{"no length", "01", StatusInvalidCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(unhex(t, tc.hex))
			if id := r.Identifier(); id != (Identifier{}) {
				t.Fatalf("failed decode returned %+v", id)
			}
			wantStatus(t, r.Finish(), tc.want)
		})
	}
}

func TestConsumerAndPollingKindsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		read func(r *Reader)
		want Status
	}{
		{"consumer kind 1", "01 01 04 05000000", func(r *Reader) { r.Consumer() }, StatusOK},
		{"consumer kind 2", "02 02 01 67", func(r *Reader) { r.Consumer() }, StatusOK},
		{"consumer kind 3", "03 01 04 05000000", func(r *Reader) { r.Consumer() }, StatusInvalidCommand},
		{"polling kind 5", "05 0000000000000000", func(r *Reader) { r.PollingStrategy() }, StatusOK},
		{"polling kind 6", "06 0000000000000000", func(r *Reader) { r.PollingStrategy() }, StatusInvalidCommand},
		{"polling kind 0", "00 0000000000000000", func(r *Reader) { r.PollingStrategy() }, StatusInvalidCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(unhex(t, tc.hex))
			tc.read(&r)
			if got := StatusFromError(r.Finish()); got != tc.want {
				t.Fatalf("status %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOptionalPartitionOnlyFlagOneIsPresent(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want OptionalPartition
	}{
		{"01 07000000", SomePartition(7)},
		{"00 00000000", OptionalPartition{}},
		{"00 07000000", OptionalPartition{}}, // the value of an absent partition is ignored
		{"02 07000000", OptionalPartition{}}, // only 1 means present
	} {
		r := NewReader(unhex(t, tc.hex))
		if got := r.OptionalPartition(); got != tc.want || r.Finish() != nil {
			t.Fatalf("%s: got %+v, %v", tc.hex, got, r.Finish())
		}
	}
	if got := (OptionalPartition{}).AppendTo(nil); !bytes.Equal(got, make([]byte, 5)) {
		t.Fatalf("absent partition encodes as %x", got)
	}
}

func TestPartitioningEncodings(t *testing.T) {
	for _, tc := range []struct {
		p   Partitioning
		hex string
	}{
		{Balanced(), "01 00"},
		{PartitionByID(3), "02 04 03000000"},
		{PartitionByKey([]byte("order-key-1")), "03 0B 6F726465722D6B65792D31"},
	} {
		want := unhex(t, tc.hex)
		if got := tc.p.AppendTo(nil); !bytes.Equal(got, want) || tc.p.Size() != len(want) {
			t.Fatalf("%+v: %x size %d, want %x", tc.p, got, tc.p.Size(), want)
		}
		p, n, st, _ := parsePartitioning(append(want, 0xEE))
		if st != StatusOK || n != len(want) || p.Kind != tc.p.Kind || p.PartitionID != tc.p.PartitionID || !bytes.Equal(p.Key, tc.p.Key) {
			t.Fatalf("parse %x = %+v, %d, %v", want, p, n, st)
		}
	}
}

func TestPartitioningErrorsAreInvalidCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		ok   bool
	}{
		{"balanced with a value", "01 01 00", false},
		{"partition_id with length 3", "02 03 010000", false},
		{"partition_id cut short", "02 04 0100", false},
		{"unknown kind", "04 00", false},
		{"one byte", "01", false},
		{"key cut short", "03 05 6162", false},
		// The 0.8.0 server hashes an empty key instead of rejecting it.
		{"empty key accepted", "03 00", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, st, _ := parsePartitioning(unhex(t, tc.hex))
			if tc.ok != (st == StatusOK) || (!tc.ok && st != StatusInvalidCommand) {
				t.Fatalf("status %v", st)
			}
		})
	}
}
