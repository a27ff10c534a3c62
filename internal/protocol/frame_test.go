// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"testing"
)

func TestPingFrameMatchesProtocolExample(t *testing.T) {
	// §1.9: ping request and its empty OK.
	req := AppendRequest(nil, CodePing, nil)
	if !bytes.Equal(req, unhex(t, "04000000 01000000")) {
		t.Fatalf("ping request = %x", req)
	}
	n, code, ok := ParseRequestHeader([RequestHeaderSize]byte(req))
	if !ok || n != 0 || code != CodePing {
		t.Fatalf("ParseRequestHeader = %d, %v, %v", n, code, ok)
	}
	resp := AppendOKResponse(nil, nil)
	if !bytes.Equal(resp, unhex(t, "00000000 00000000")) {
		t.Fatalf("empty OK = %x", resp)
	}
}

func TestCreateStreamFrameMatchesProtocolExample(t *testing.T) {
	// §1.9: CreateStream("test").
	cs := &CreateStream{Name: "test"}
	frame := AppendRequest(nil, cs.Code(), cs.AppendTo(nil))
	if !bytes.Equal(frame, unhex(t, "09000000 CA000000 04 74657374")) {
		t.Fatalf("frame = %x", frame)
	}
	n, code, ok := ParseRequestHeader([RequestHeaderSize]byte(frame[:8]))
	if !ok || n != 5 || code != CodeCreateStream {
		t.Fatalf("ParseRequestHeader = %d, %v, %v", n, code, ok)
	}
	if got := AppendRequestHeader(nil, CodeCreateStream, 5); !bytes.Equal(got, frame[:8]) {
		t.Fatalf("AppendRequestHeader = %x", got)
	}
}

func TestRequestHeaderBelowFourIsRejected(t *testing.T) {
	for _, length := range []byte{0, 1, 2, 3} {
		_, code, ok := ParseRequestHeader([8]byte{length, 0, 0, 0, 1, 0, 0, 0})
		if ok || code != CodePing {
			t.Fatalf("length %d: ok=%v code=%v", length, ok, code)
		}
	}
	n, _, ok := ParseRequestHeader([8]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x65, 0, 0, 0})
	if !ok || n != 0xFFFF_FFFF-4 {
		t.Fatalf("max length: n=%d ok=%v", n, ok)
	}
}

func TestResponseHeaders(t *testing.T) {
	if got := AppendErrorResponse(nil, StatusStreamIDNotFound); !bytes.Equal(got, unhex(t, "F1030000 00000000")) {
		t.Fatalf("error response = %x", got)
	}
	// §1.9: LoginUser answers user_id 0.
	ok := AppendOKResponse(nil, (&IdentityInfo{UserID: 0}).AppendTo(nil))
	if !bytes.Equal(ok, unhex(t, "00000000 04000000 00000000")) {
		t.Fatalf("login response = %x", ok)
	}
	st, n := ParseResponseHeader([ResponseHeaderSize]byte(ok[:8]))
	if st != StatusOK || n != 4 {
		t.Fatalf("ParseResponseHeader = %v, %d", st, n)
	}
	st, n = ParseResponseHeader([8]byte{0xBF, 0x0F, 0, 0, 0, 0, 0, 0})
	if st != StatusNonZeroOffset || n != 0 {
		t.Fatalf("ParseResponseHeader = %v, %d", st, n)
	}
}

func TestCheckPayloadLenCapsControlAndSendSeparately(t *testing.T) {
	const maxSend = 64<<20 + 1024
	for _, tc := range []struct {
		name string
		code Code
		n    uint32
		ok   bool
	}{
		{"control at cap", CodeCreateStream, MaxControlPayload, true},
		{"control over cap", CodeCreateStream, MaxControlPayload + 1, false},
		{"send over control cap", CodeSendMessages, MaxControlPayload + 1, true},
		{"send at cap", CodeSendMessages, maxSend, true},
		{"send over cap", CodeSendMessages, maxSend + 1, false},
		{"unknown code uses control cap", Code(999), MaxControlPayload + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPayloadLen(tc.code, tc.n, maxSend, MaxControlPayload)
			if tc.ok && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if !tc.ok {
				wantStatus(t, err, StatusInvalidCommand)
			}
		})
	}
}

func TestSplitFramesWaitForWholeFrames(t *testing.T) {
	stream := AppendRequest(nil, CodePing, nil)
	stream = AppendRequest(stream, CodeCreateStream, []byte{4, 't', 'e', 's', 't'})
	for cut := 0; cut < 8; cut++ {
		if _, _, n, err := SplitRequestFrame(stream[:cut]); n != 0 || err != nil {
			t.Fatalf("cut %d: n=%d err=%v", cut, n, err)
		}
	}
	code, payload, n, err := SplitRequestFrame(stream)
	if err != nil || code != CodePing || len(payload) != 0 || n != 8 {
		t.Fatalf("first frame: %v %x %d %v", code, payload, n, err)
	}
	if _, _, n, _ := SplitRequestFrame(stream[8 : len(stream)-1]); n != 0 {
		t.Fatal("incomplete second frame was split")
	}
	code, payload, n, err = SplitRequestFrame(stream[8:])
	if err != nil || code != CodeCreateStream || string(payload[1:]) != "test" || n != 13 {
		t.Fatalf("second frame: %v %x %d %v", code, payload, n, err)
	}
	_, _, _, err = SplitRequestFrame([]byte{3, 0, 0, 0, 1, 0, 0, 0})
	wantStatus(t, err, StatusInvalidCommand)

	resp := AppendOKResponse(nil, []byte{7, 0, 0, 0})
	if _, _, n := SplitResponseFrame(resp[:11]); n != 0 {
		t.Fatal("incomplete response was split")
	}
	st, payload, n := SplitResponseFrame(append(resp, 0xEE))
	if st != StatusOK || len(payload) != 4 || n != 12 {
		t.Fatalf("response: %v %x %d", st, payload, n)
	}
}
