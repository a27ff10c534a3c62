// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"testing"
)

func TestReaderReadsLittleEndian(t *testing.T) {
	r := NewReader(unhex(t, "01 0302 07060504 0F0E0D0C0B0A0908 0000803F 0B 68656C6C6F 0500000068656C6C6F"))
	if v := r.U8(); v != 1 {
		t.Fatalf("U8 = %d", v)
	}
	if v := r.U16(); v != 0x0203 {
		t.Fatalf("U16 = %#x", v)
	}
	if v := r.U32(); v != 0x04050607 {
		t.Fatalf("U32 = %#x", v)
	}
	if v := r.U64(); v != 0x08090A0B0C0D0E0F {
		t.Fatalf("U64 = %#x", v)
	}
	if v := r.F32(); v != 1.0 {
		t.Fatalf("F32 = %v", v)
	}
	if !r.Bool() {
		t.Fatal("Bool(0x0B) = false; any non-zero byte is true")
	}
	if v := r.String(5); v != "hello" {
		t.Fatalf("String = %q", v)
	}
	if v := r.LongString(); v != "hello" {
		t.Fatalf("LongString = %q", v)
	}
	if r.Remaining() != 0 || r.Finish() != nil {
		t.Fatalf("Remaining %d, Finish %v", r.Remaining(), r.Finish())
	}
}

func TestReaderErrorIsStickyAndZero(t *testing.T) {
	r := NewReader([]byte{1, 2, 3})
	if v := r.U32(); v != 0 {
		t.Fatalf("short U32 = %d", v)
	}
	// Everything after the first failure is zero and consumes nothing,
	// even reads that would fit.
	if r.U8() != 0 || r.U16() != 0 || r.Bytes(1) != nil || r.Name() != "" || r.Bool() {
		t.Fatal("reads after a failure must return zero values")
	}
	if r.Offset() != 0 || r.Remaining() != 3 {
		t.Fatalf("offset %d remaining %d after failure", r.Offset(), r.Remaining())
	}
	r.Fail(StatusInvalidFormat, "later failure")
	err := r.Finish()
	var de *DecodeError
	if !errors.As(err, &de) || de.Status != StatusInvalidCommand || de.Offset != 0 {
		t.Fatalf("Finish = %v; want the first failure, invalid_command at 0", err)
	}
}

func TestReaderStringRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		read func(r *Reader) string
		want Status
	}{
		{"empty name is invalid format", "00", (*Reader).Name, StatusInvalidFormat},
		{"short name is invalid command", "05 6869", (*Reader).Name, StatusInvalidCommand},
		{"non UTF-8 name is invalid command", "02 C328", (*Reader).Name, StatusInvalidCommand},
		{"empty short string is fine", "00", (*Reader).ShortString, StatusOK},
		{"non UTF-8 password is invalid command", "01 FF", (*Reader).ShortString, StatusInvalidCommand},
		{"long string beyond input", "FFFFFFFF 00", (*Reader).LongString, StatusInvalidCommand},
		{"empty long string is fine", "00000000", (*Reader).LongString, StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(unhex(t, tc.in))
			tc.read(&r)
			if got := StatusFromError(r.Finish()); got != tc.want {
				t.Fatalf("status %v, want %v (%v)", got, tc.want, r.Finish())
			}
		})
	}
}

func TestReaderCapacityIsBoundedByInput(t *testing.T) {
	r := NewReader(make([]byte, 100))
	if got := r.capacity(1<<40, 10); got != 10 {
		t.Fatalf("capacity = %d, want 10", got)
	}
	if got := r.capacity(3, 10); got != 3 {
		t.Fatalf("capacity = %d, want 3", got)
	}
}

func TestReaderBytesAliasInput(t *testing.T) {
	in := []byte{1, 2, 3, 4}
	r := NewReader(in)
	b := r.Bytes(2)
	b[0] = 9
	if in[0] != 9 {
		t.Fatal("Bytes must alias the input")
	}
	if cap(b) != 2 {
		t.Fatalf("cap(Bytes(2)) = %d; appending must not overwrite the input", cap(b))
	}
}
