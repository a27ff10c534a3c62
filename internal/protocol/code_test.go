// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestCodesAreTheFortySevenOfIggy080(t *testing.T) {
	want := []uint32{1, 10, 11, 12, 20, 21, 22, 31, 32, 33, 34, 35, 36, 37, 38, 39, 41, 42, 43, 44,
		100, 101, 102, 120, 121, 122, 200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 304, 305,
		402, 403, 503, 600, 601, 602, 603, 604, 605}
	got := Codes()
	if len(got) != 47 || len(want) != 47 {
		t.Fatalf("Codes() has %d codes", len(got))
	}
	for i := range want {
		if uint32(got[i]) != want[i] {
			t.Fatalf("Codes()[%d] = %d, want %d", i, got[i], want[i])
		}
		if !got[i].Known() {
			t.Fatalf("%d not Known", got[i])
		}
		if _, ok := NewRequest(got[i]); !ok {
			t.Fatalf("NewRequest(%v) has no request type", got[i])
		}
		r, _ := NewRequest(got[i])
		if r.Code() != got[i] {
			t.Fatalf("NewRequest(%v).Code() = %v", got[i], r.Code())
		}
	}
}

func TestCodeNamesAndUnknownCodes(t *testing.T) {
	for _, tc := range []struct {
		code Code
		name string
	}{
		{CodePing, "Ping"}, {CodeGetStats, "GetStats"}, {CodeSendMessages, "SendMessages"},
		{CodeLoginWithPersonalAccessToken, "LoginWithPersonalAccessToken"},
		{CodeLeaveConsumerGroup, "LeaveConsumerGroup"}, {Code(13), "Code(13)"}, {Code(606), "Code(606)"},
	} {
		if got := tc.code.String(); got != tc.name {
			t.Errorf("%d.String() = %q, want %q", tc.code, got, tc.name)
		}
	}
	// Codes of later Iggy versions and gaps are unknown.
	for _, c := range []Code{0, 2, 13, 40, 45, 606, 999, 1 << 31} {
		if c.Known() {
			t.Errorf("%d is Known", c)
		}
		if _, ok := NewRequest(c); ok {
			t.Errorf("NewRequest(%d) succeeded", c)
		}
		if _, err := DecodeRequest(c, nil); StatusFromError(err) != StatusInvalidCommand {
			t.Errorf("DecodeRequest(%d) = %v, want invalid_command", c, err)
		}
	}
}

func TestOnlyPingAndLoginsSkipAuthentication(t *testing.T) {
	for _, c := range Codes() {
		want := !(c == CodePing || c == CodeLoginUser || c == CodeLoginWithPersonalAccessToken)
		if c.RequiresAuth() != want {
			t.Errorf("%v.RequiresAuth() = %v", c, c.RequiresAuth())
		}
	}
	if !Code(999).RequiresAuth() {
		t.Error("unknown codes must require authentication")
	}
}
