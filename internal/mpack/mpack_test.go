package mpack_test

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"riffle/internal/mpack"
)

type sample struct {
	Name   string            `msgpack:"name"`
	Blob   []byte            `msgpack:"blob"`
	Ids    []uint32          `msgpack:"ids"`
	Grants map[string]bool   `msgpack:"grants"`
	Nested map[uint32][]int8 `msgpack:"nested"`
	F      float64           `msgpack:"f"`
	G      float32           `msgpack:"g"`
	Neg    int64             `msgpack:"neg"`
	Big    uint64            `msgpack:"big"`
	At     time.Time         `msgpack:"at"`
	Nil    *int              `msgpack:"nil"`
	Flag   bool              `msgpack:"flag"`
}

func encodings(t testing.TB) [][]byte {
	long := string(bytes.Repeat([]byte{'x'}, 70000))
	ids := make([]uint32, 70000)
	for i := range ids {
		ids[i] = uint32(i) * 65537
	}
	values := []any{
		nil, true, 0, -1, -33, 127, 128, 255, 65535, 1 << 31, int64(math.MinInt64), uint64(math.MaxUint64),
		1.5, float32(2.5), "", "short", string(bytes.Repeat([]byte{'y'}, 200)), long,
		[]byte{}, []byte{1, 2, 3}, bytes.Repeat([]byte{7}, 300), ids,
		map[string]int{}, map[string]int{"a": 1, "b": 2},
		time.Unix(1700000000, 0), time.Unix(1700000000, 5), time.Unix(1<<40, 7),
		sample{Name: "s", Blob: []byte("b"), Ids: []uint32{1, 2, 3}, Grants: map[string]bool{"read": true},
			Nested: map[uint32][]int8{7: {-1, 2}}, F: 1e300, G: 1.25, Neg: -1 << 40, Big: 1 << 63,
			At: time.Unix(5, 6), Flag: true},
	}
	var out [][]byte
	for _, v := range values {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	m := make(map[uint16]string, 20)
	for i := range 20 {
		m[uint16(i)] = long[:i]
	}
	b, err := msgpack.Marshal(m) // a map16 header
	if err != nil {
		t.Fatal(err)
	}
	return append(out, b)
}

func TestValidateAcceptsWhatTheEncoderWrites(t *testing.T) {
	for i, b := range encodings(t) {
		if err := mpack.Validate(b); err != nil {
			t.Errorf("encoding %d (% x...): %v", i, b[:min(len(b), 8)], err)
		}
	}
}

func TestUnmarshalRoundTrips(t *testing.T) {
	in := sample{Name: "n", Blob: []byte{0}, Ids: []uint32{9}, Grants: map[string]bool{"x": false},
		Nested: map[uint32][]int8{1: nil}, F: 0.5, Neg: -7, Big: 9, At: time.Unix(1, 2).UTC(), Flag: true}
	b, err := msgpack.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out sample
	if err := mpack.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	again, _ := msgpack.Marshal(out)
	if !bytes.Equal(again, b) {
		t.Fatalf("round trip changed the value: %+v", out)
	}
}

func TestValidateRefusesHostileHeaders(t *testing.T) {
	cases := map[string][]byte{
		"empty":             {},
		"reserved c1":       {0xc1},
		"str32 of 4 GiB":    {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
		"bin32 of 2 GiB":    {0xc6, 0x80, 0, 0, 0},
		"str8 past the end": {0xd9, 5, 'a', 'b'},
		"array32 huge":      {0xdd, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3},
		"map32 huge":        {0xdf, 0, 0, 0, 3, 1, 2, 3, 4, 5},
		"fixarray short":    {0x93, 1, 2},
		"fixmap short":      {0x82, 1, 2, 3},
		"ext32 huge":        {0xc9, 0xff, 0xff, 0xff, 0xff, 1},
		"ext8 no type byte": {0xc7, 0},
		"fixext16 short":    {0xd8, 1, 2, 3},
		"uint64 short":      {0xcf, 1, 2, 3},
		"truncated length":  {0xda, 1},
		"trailing bytes":    {0x01, 0x02},
		"nested huge":       {0x91, 0x81, 0xa1, 'k', 0xdb, 0x10, 0, 0, 0},
	}
	for name, b := range cases {
		err := mpack.Validate(b)
		if !errors.Is(err, mpack.ErrMalformed) {
			t.Errorf("%s: Validate = %v, want ErrMalformed", name, err)
		}
		var v any
		if err := mpack.Unmarshal(b, &v); err == nil {
			t.Errorf("%s: Unmarshal accepted it", name)
		}
	}
}

// TestHostileLengthsDoNotGrowMemory repeats, many times in one process, an
// input whose failed read made msgpack.Unmarshal's pooled decoder double its
// retained buffer on every call until the process ran out of memory.
func TestHostileLengthsDoNotGrowMemory(t *testing.T) {
	b := []byte{0x81, 0xa4, 'b', 'o', 'd', 'y', 0xdb, 0xa6, 0x30, 0x30, 0x30, '0', '0'}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 200 {
		var v map[string]string
		if err := mpack.Unmarshal(b, &v); err == nil {
			t.Fatal("accepted a 2.8 GB string in 13 bytes")
		}
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("200 refusals allocated %d bytes", grew)
	}
}

// FuzzValidate checks Validate against the decoder's own skipping: both
// accept the same inputs, and nothing the validator accepts makes decoding
// into an empty interface allocate beyond a small multiple of the input.
func FuzzValidate(f *testing.F) {
	for _, b := range encodings(f) {
		if len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add([]byte{0xdb, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x92, 0xc7, 1, 5, 0, 0xd4, 3, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		verr := mpack.Validate(b)
		if verr == nil {
			r := bytes.NewReader(b)
			if err := msgpack.NewDecoder(r).Skip(); err != nil || r.Len() != 0 {
				t.Fatalf("validated input: decoder skip err=%v, %d bytes left", err, r.Len())
			}
			var v any
			_ = mpack.Unmarshal(b, &v)
		} else if !errors.Is(verr, mpack.ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", verr)
		}
	})
}
