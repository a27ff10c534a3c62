// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"reflect"
	"testing"
)

func TestUserHeadersMatchProtocolLayout(t *testing.T) {
	hs := []UserHeader{
		StringHeader("trace", "abc"),
		Uint64Header("n", 7),
		{KeyKind: HeaderInt32, Key: []byte{1, 0, 0, 0}, ValueKind: HeaderBool, Value: []byte{1}},
	}
	want := unhex(t, `
		02 05000000 7472616365  02 03000000 616263            # "trace" = "abc"
		02 01000000 6E          0C 08000000 0700000000000000  # "n" = u64 7
		06 04000000 01000000    03 01000000 01                # int32 1 = true`)
	got := AppendUserHeaders(nil, hs)
	if !bytes.Equal(got, want) || UserHeadersSize(hs) != len(want) {
		t.Fatalf("AppendUserHeaders = %x (size %d)\nwant %x", got, UserHeadersSize(hs), want)
	}
	dec, err := DecodeUserHeaders(want)
	if err != nil || !reflect.DeepEqual(dec, hs) {
		t.Fatalf("DecodeUserHeaders = %+v, %v", dec, err)
	}
	if err := ValidateUserHeaders(want); err != nil {
		t.Fatalf("ValidateUserHeaders: %v", err)
	}
	if dec, err := DecodeUserHeaders(nil); dec != nil || err != nil {
		t.Fatalf("empty block = %v, %v", dec, err)
	}
}

func TestUserHeadersErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want Status
	}{
		{"key without value", "02 01000000 61", StatusInvalidFormat},
		{"kind zero", "00 01000000 61 02 01000000 62", StatusInvalidFormat},
		{"length zero", "02 00000000 02 01000000 62", StatusInvalidFormat},
		{"length 256", "02 00010000", StatusInvalidFormat},
		{"truncated value", "02 01000000 61 02 05000000 6263", StatusInvalidCommand},
		{"truncated length", "02 0100", StatusInvalidCommand},
		{"unknown key kind", "10 01000000 61 02 01000000 62", StatusInvalidHeaderKind},
		{"unknown value kind", "02 01000000 61 10 01000000 62", StatusInvalidHeaderKind},
		{"u64 key of 4 bytes", "0C 04000000 01000000 02 01000000 62", StatusInvalidHeaderKey},
		{"bool value of 2 bytes", "02 01000000 61 03 02000000 0101", StatusInvalidHeaderValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.hex)
			_, err := DecodeUserHeaders(b)
			wantStatus(t, err, tc.want)
			wantStatus(t, ValidateUserHeaders(b), tc.want)
		})
	}
}

func TestHeaderKindFixedSizes(t *testing.T) {
	want := map[HeaderKind]int{HeaderRaw: 0, HeaderString: 0, HeaderBool: 1, HeaderInt8: 1, HeaderInt16: 2,
		HeaderInt32: 4, HeaderInt64: 8, HeaderInt128: 16, HeaderUint8: 1, HeaderUint16: 2, HeaderUint32: 4,
		HeaderUint64: 8, HeaderUint128: 16, HeaderFloat32: 4, HeaderFloat64: 8}
	for k := HeaderKind(0); k < 20; k++ {
		n, known := want[k]
		if k.Known() != known || k.FixedSize() != n {
			t.Errorf("kind %d: Known %v FixedSize %d", k, k.Known(), k.FixedSize())
		}
	}
}
