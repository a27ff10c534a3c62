// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex digits, ignoring spaces, tabs, newlines and comments
// from '#' to the end of a line.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.IndexByte(l, '#'); j >= 0 {
			lines[i] = l[:j]
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, strings.Join(lines, ""))
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// checkRequestCodec asserts that req encodes to wantHex, that Size matches,
// that decoding the bytes gives req back, and that every strict prefix of
// the payload fails with StatusInvalidCommand without panicking.
func checkRequestCodec(t *testing.T, req Request, wantHex string) {
	t.Helper()
	want := unhex(t, wantHex)
	got := req.AppendTo(nil)
	if !bytes.Equal(got, want) {
		t.Fatalf("%v AppendTo:\n got %x\nwant %x", req.Code(), got, want)
	}
	if req.Size() != len(want) {
		t.Fatalf("%v Size() = %d, encoded %d", req.Code(), req.Size(), len(want))
	}
	// Appending keeps what dst held.
	if got := req.AppendTo([]byte{0xAB}); got[0] != 0xAB || !bytes.Equal(got[1:], want) {
		t.Fatalf("%v AppendTo does not append", req.Code())
	}
	dec, err := DecodeRequest(req.Code(), want)
	if err != nil {
		t.Fatalf("%v decode: %v", req.Code(), err)
	}
	if !reflect.DeepEqual(dec, req) {
		t.Fatalf("%v decode:\n got %+v\nwant %+v", req.Code(), dec, req)
	}
	// Trailing bytes are accepted and ignored.
	dec, err = DecodeRequest(req.Code(), append(bytes.Clone(want), 0xEE, 0xEE))
	if err != nil || !reflect.DeepEqual(dec, req) {
		t.Fatalf("%v decode with trailing bytes: %v, %+v", req.Code(), err, dec)
	}
	checkPrefixesFail(t, req.Code(), want)
}

// checkPrefixesFail decodes every strict prefix of payload and requires an
// error; for every command but SendMessages the error must be
// StatusInvalidCommand (truncation).
func checkPrefixesFail(t *testing.T, code Code, payload []byte) {
	t.Helper()
	for n := 0; n < len(payload); n++ {
		_, err := DecodeRequest(code, payload[:n:n])
		if err == nil {
			t.Fatalf("%v: prefix of %d/%d bytes decoded without error", code, n, len(payload))
		}
		st := StatusFromError(err)
		if code != CodeSendMessages && st != StatusInvalidCommand {
			t.Fatalf("%v: prefix of %d/%d bytes: status %v, want invalid_command: %v", code, n, len(payload), st, err)
		}
		var de *DecodeError
		if code != CodeSendMessages && !errors.As(err, &de) {
			t.Fatalf("%v: prefix error %v is not a *DecodeError", code, err)
		}
	}
}

// wantStatus asserts that err carries status want.
func wantStatus(t *testing.T, err error, want Status) {
	t.Helper()
	if got := StatusFromError(err); got != want || err == nil {
		t.Fatalf("error %v: status %v, want %v", err, got, want)
	}
}

// responseCodec is implemented by the response types.
type responseCodec interface {
	AppendTo(dst []byte) []byte
	Decode(payload []byte) error
}

// checkResponseCodec asserts that resp encodes to wantHex and that decoding
// the bytes into a fresh value of the same type gives resp back.
func checkResponseCodec(t *testing.T, resp responseCodec, fresh responseCodec, wantHex string) {
	t.Helper()
	want := unhex(t, wantHex)
	if got := resp.AppendTo(nil); !bytes.Equal(got, want) {
		t.Fatalf("%T AppendTo:\n got %x\nwant %x", resp, got, want)
	}
	if err := fresh.Decode(want); err != nil {
		t.Fatalf("%T Decode: %v", fresh, err)
	}
	if !reflect.DeepEqual(fresh, resp) {
		t.Fatalf("%T Decode:\n got %+v\nwant %+v", fresh, fresh, resp)
	}
	for n := 1; n < len(want); n++ {
		if err := fresh.Decode(want[:n:n]); err == nil {
			// A list type may legitimately end at a record boundary.
			if !isList(resp) {
				t.Fatalf("%T: prefix of %d/%d bytes decoded without error", fresh, n, len(want))
			}
		}
	}
}

// isList reports whether v is a concatenation type, whose prefixes at
// record boundaries are valid.
func isList(v any) bool {
	switch v.(type) {
	case *StreamList, *TopicList, *GroupList, *UserList, *ClientList, *PersonalAccessTokenList:
		return true
	}
	return false
}
