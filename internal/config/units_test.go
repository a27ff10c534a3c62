// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"errors"
	"testing"
	"time"

	"riffle/internal/config"
)

func TestSizeParsesUnitsAndUnlimited(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want config.Size
	}{
		{"plain bytes", "1000", 1000},
		{"zero", "0", 0},
		{"unlimited", "unlimited", 0},
		{"unlimited any case", "Unlimited", 0},
		{"bytes unit", "512B", 512},
		{"gibibytes", "1GiB", 1 << 30},
		{"space before unit", "512 MiB", 512 << 20},
		{"lower case unit", "64kib", 64 << 10},
		{"decimal megabytes", "64MB", 64_000_000},
		{"decimal kilobytes", "2 KB", 2000},
		{"tebibytes", "2TiB", 2 << 40},
		{"surrounding space", "  10 MiB ", 10 << 20},
		{"largest", "18446744073709551615", 1<<64 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s config.Size
			if err := s.UnmarshalText([]byte(tt.in)); err != nil {
				t.Fatalf("UnmarshalText(%q): %v", tt.in, err)
			}
			if s != tt.want {
				t.Fatalf("UnmarshalText(%q) = %d, want %d", tt.in, s, tt.want)
			}
		})
	}
}

func TestSizeRejectsMalformedText(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"unit only", "GiB"},
		{"fraction", "1.5GiB"},
		{"negative", "-1"},
		{"unknown unit", "5 parsecs"},
		{"trailing words", "1Gb extra"},
		{"overflow by unit", "17179869184GiB"},
		{"overflow digits", "18446744073709551616"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := config.Size(7)
			err := s.UnmarshalText([]byte(tt.in))
			if !errors.Is(err, config.ErrInvalidValue) {
				t.Fatalf("UnmarshalText(%q) = %v, want ErrInvalidValue", tt.in, err)
			}
			if s != 7 {
				t.Fatalf("UnmarshalText(%q) changed the value to %d on error", tt.in, s)
			}
		})
	}
}

func TestSizeMarshalsLargestExactUnitAndRoundTrips(t *testing.T) {
	tests := []struct {
		in   config.Size
		want string
	}{
		{0, "unlimited"},
		{1, "1"},
		{1000, "1000"},
		{1 << 10, "1KiB"},
		{64<<20 + 1<<20, "65MiB"},
		{1 << 30, "1GiB"},
		{3 << 40, "3TiB"},
		{1<<30 + 1, "1073741825"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := tt.in.MarshalText()
			if err != nil || string(b) != tt.want {
				t.Fatalf("MarshalText(%d) = %q, %v; want %q", tt.in, b, err, tt.want)
			}
			var back config.Size
			if err := back.UnmarshalText(b); err != nil || back != tt.in {
				t.Fatalf("round trip of %d via %q = %d, %v", tt.in, b, back, err)
			}
		})
	}
}

func TestDurationParsesGoSyntaxAndNever(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"seconds", "20s", 20 * time.Second},
		{"compound", "1m30s", 90 * time.Second},
		{"milliseconds", "100ms", 100 * time.Millisecond},
		{"hours", "168h", 168 * time.Hour},
		{"never", "never", 0},
		{"none", "none", 0},
		{"never any case", "NEVER", 0},
		{"zero", "0", 0},
		{"surrounding space", " 2s ", 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d config.Duration
			if err := d.UnmarshalText([]byte(tt.in)); err != nil {
				t.Fatalf("UnmarshalText(%q): %v", tt.in, err)
			}
			if time.Duration(d) != tt.want {
				t.Fatalf("UnmarshalText(%q) = %v, want %v", tt.in, time.Duration(d), tt.want)
			}
		})
	}
}

func TestDurationRejectsMalformedAndNegative(t *testing.T) {
	for _, in := range []string{"", "20", "soon", "-1s", "1 day", "5d"} {
		t.Run(in, func(t *testing.T) {
			d := config.Duration(time.Second)
			err := d.UnmarshalText([]byte(in))
			if !errors.Is(err, config.ErrInvalidValue) {
				t.Fatalf("UnmarshalText(%q) = %v, want ErrInvalidValue", in, err)
			}
			if d != config.Duration(time.Second) {
				t.Fatalf("UnmarshalText(%q) changed the value to %v on error", in, d)
			}
		})
	}
}

func TestDurationMarshalsWithoutTrailingZeroUnits(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{100 * time.Millisecond, "100ms"},
		{20 * time.Second, "20s"},
		{time.Minute, "1m"},
		{90 * time.Second, "1m30s"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + time.Second, "1h0m1s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := config.Duration(tt.in).MarshalText()
			if err != nil || string(b) != tt.want {
				t.Fatalf("MarshalText(%v) = %q, %v; want %q", tt.in, b, err, tt.want)
			}
			var back config.Duration
			if err := back.UnmarshalText(b); err != nil || time.Duration(back) != tt.in {
				t.Fatalf("round trip of %v via %q = %v, %v", tt.in, b, time.Duration(back), err)
			}
		})
	}
}
