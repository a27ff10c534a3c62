// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"riffle/internal/protocol"
)

func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    uint64
		wantErr bool
	}{
		{name: "nothing is server default", in: nil, want: protocol.ExpiryServerDefault},
		{name: "server_default", in: []string{"server_default"}, want: protocol.ExpiryServerDefault},
		{name: "never", in: []string{"never"}, want: protocol.ExpiryNever},
		{name: "unlimited", in: []string{"Unlimited"}, want: protocol.ExpiryNever},
		{name: "seconds", in: []string{"90s"}, want: 90e6},
		{name: "days", in: []string{"15days"}, want: 15 * 86400e6},
		{name: "parts in one word", in: []string{"1h30min"}, want: 5400e6},
		{name: "parts in several words", in: []string{"1day", "1hour", "1min", "1sec"}, want: 90061e6},
		{name: "space before unit", in: []string{"2 min"}, want: 120e6},
		{name: "micro and milli", in: []string{"5ms 7us"}, want: 5007},
		{name: "zero", in: []string{"0s"}, wantErr: true},
		{name: "no unit", in: []string{"15"}, wantErr: true},
		{name: "unknown unit", in: []string{"3fortnights"}, wantErr: true},
		{name: "no number", in: []string{"min"}, wantErr: true},
		{name: "overflow", in: []string{"99999999999999999weeks"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseExpiry(tc.in)
			if tc.wantErr {
				if !isUsage(err) {
					t.Fatalf("got %d, %v; want a usage error", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    uint64
		wantErr bool
	}{
		{name: "empty is server default", in: "", want: protocol.TopicSizeDefault},
		{name: "server_default", in: "server_default", want: protocol.TopicSizeDefault},
		{name: "unlimited", in: "unlimited", want: protocol.TopicSizeUnlimited},
		{name: "bytes", in: "4096", want: 4096},
		{name: "decimal unit", in: "15GB", want: 15e9},
		{name: "binary unit", in: "512MiB", want: 512 << 20},
		{name: "lower case and space", in: "2 kib", want: 2048},
		{name: "fraction", in: "1.5KB", want: 1500},
		{name: "unknown unit", in: "3XB", wantErr: true},
		{name: "no number", in: "GB", wantErr: true},
		{name: "overflow", in: "99999999999TiB", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSize(tc.in)
			if tc.wantErr {
				if !isUsage(err) {
					t.Fatalf("got %d, %v; want a usage error", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestParseHeaderRoundTripsThroughItsText(t *testing.T) {
	tests := []struct {
		name, in  string
		wantKind  protocol.HeaderKind
		wantValue []byte
		wantText  string
	}{
		{name: "string", in: "src:string:web", wantKind: protocol.HeaderString, wantValue: []byte("web"), wantText: "web"},
		{name: "value with colons", in: "url:string:http://x:1", wantKind: protocol.HeaderString, wantValue: []byte("http://x:1"), wantText: "http://x:1"},
		{name: "kind is case-insensitive", in: "k:UINT8:200", wantKind: protocol.HeaderUint8, wantValue: []byte{200}, wantText: "200"},
		{name: "bool", in: "ok:bool:true", wantKind: protocol.HeaderBool, wantValue: []byte{1}, wantText: "true"},
		{name: "int16 negative", in: "t:int16:-2", wantKind: protocol.HeaderInt16, wantValue: []byte{0xfe, 0xff}, wantText: "-2"},
		{name: "uint32", in: "n:uint32:7", wantKind: protocol.HeaderUint32, wantValue: []byte{7, 0, 0, 0}, wantText: "7"},
		{name: "int64", in: "n:int64:-1", wantKind: protocol.HeaderInt64, wantValue: bytes.Repeat([]byte{0xff}, 8), wantText: "-1"},
		{name: "uint128 max", in: "n:uint128:340282366920938463463374607431768211455", wantKind: protocol.HeaderUint128,
			wantValue: bytes.Repeat([]byte{0xff}, 16), wantText: "340282366920938463463374607431768211455"},
		{name: "int128 min", in: "n:int128:-170141183460469231731687303715884105728", wantKind: protocol.HeaderInt128,
			wantValue: append(make([]byte, 15), 0x80), wantText: "-170141183460469231731687303715884105728"},
		{name: "float64", in: "f:float64:1.5", wantKind: protocol.HeaderFloat64, wantValue: []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f}, wantText: "1.5"},
		{name: "float32", in: "f:float32:0.25", wantKind: protocol.HeaderFloat32, wantValue: []byte{0, 0, 0x80, 0x3e}, wantText: "0.25"},
		{name: "raw", in: "r:raw:abc", wantKind: protocol.HeaderRaw, wantValue: []byte("abc"), wantText: "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseHeader(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if h.KeyKind != protocol.HeaderString || h.ValueKind != tc.wantKind || !bytes.Equal(h.Value, tc.wantValue) {
				t.Fatalf("header %+v, want kind %d value %x", h, tc.wantKind, tc.wantValue)
			}
			block := protocol.AppendUserHeaders(nil, []protocol.UserHeader{h})
			if err := protocol.ValidateUserHeaders(block); err != nil {
				t.Fatalf("encoded block is invalid: %v", err)
			}
			if got := headerValueText(h.ValueKind, h.Value); got != tc.wantText {
				t.Fatalf("text %q, want %q", got, tc.wantText)
			}
		})
	}
}

func TestParseHeaderRejectsMalformedInput(t *testing.T) {
	tests := []struct{ name, in string }{
		{"two parts", "k:string"},
		{"empty key", ":string:v"},
		{"unknown kind", "k:text:v"},
		{"empty string value", "k:string:"},
		{"uint8 out of range", "k:uint8:256"},
		{"int8 out of range", "k:int8:-129"},
		{"not a bool", "k:bool:maybe"},
		{"uint128 negative", "k:uint128:-1"},
		{"int128 too big", "k:int128:170141183460469231731687303715884105728"},
		{"long key", strings.Repeat("k", 256) + ":string:v"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if h, err := parseHeader(tc.in); !isUsage(err) {
				t.Fatalf("got %+v, %v; want a usage error", h, err)
			}
		})
	}
}

func TestParsePermissions(t *testing.T) {
	p, err := parsePermissions("r_str, poll_messages", []string{"3:m_str,send_messages#1:s_msg#2:manage_topic,r_top", "7"})
	if err != nil {
		t.Fatal(err)
	}
	want := protocol.Permissions{
		Global: protocol.GlobalPermissions{ReadStreams: true, PollMessages: true},
		Streams: []protocol.StreamPermissions{
			{StreamID: 3, ManageStream: true, SendMessages: true, Topics: []protocol.TopicPermissions{
				{TopicID: 1, SendMessages: true}, {TopicID: 2, ManageTopic: true, ReadTopic: true}}},
			{StreamID: 7},
		},
	}
	if got, w := p.AppendTo(nil), want.AppendTo(nil); !bytes.Equal(got, w) {
		t.Fatalf("permissions %+v, want %+v", *p, want)
	}
	if p, err := parsePermissions("", nil); p != nil || err != nil {
		t.Fatalf("no flags: %+v, %v; want nil, nil", p, err)
	}
	for _, bad := range []struct {
		name, global string
		streams      []string
	}{
		{"unknown global", "fly", nil},
		{"stream name instead of ID", "", []string{"orders:r_str"}},
		{"topic permission at stream level", "", []string{"1:manage_topic"}},
		{"bad topic ID", "", []string{"1#x:s_msg"}},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := parsePermissions(bad.global, bad.streams); !isUsage(err) {
				t.Fatalf("error %v, want a usage error", err)
			}
		})
	}
}

func TestPayloadTextIsTextOnlyWhenPrintable(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		want     string
		wantText bool
	}{
		{"ascii", []byte("hello world"), "hello world", true},
		{"utf8", []byte("zürich"), "zürich", true},
		{"newline", []byte("a\nb"), "YQpi", false},
		{"binary", []byte{0, 1, 2}, "AAEC", false},
		{"invalid utf8", []byte{0xff}, "/w==", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, isText := payloadText(tc.in)
			if got != tc.want || isText != tc.wantText {
				t.Fatalf("got %q, %v; want %q, %v", got, isText, tc.want, tc.wantText)
			}
		})
	}
}
