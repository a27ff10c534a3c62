// SPDX-License-Identifier: Apache-2.0

package config

import (
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads "20s", "1m30s" (time.ParseDuration
// syntax) or "never"/"none" for 0. Negative durations are rejected. Whether 0
// is allowed, and what it means, is up to the key (Validate).
type Duration time.Duration

// UnmarshalText parses text as described on Duration; its error wraps
// ErrInvalidValue.
func (d *Duration) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	switch strings.ToLower(s) {
	case "never", "none":
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return invalidf("%q is not a duration (want e.g. 20s, 1m30s, 168h or never)", string(text))
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the shortest text UnmarshalText reads back to the same
// value: "20s", "1m", "1h30m", "100ms", "0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String formats d like time.Duration without trailing zero units ("1m",
// not "1m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Size is a byte count that reads "1000", "1GiB", "512 MiB", "64KB" or
// "unlimited" for 0. Units are case-insensitive: B; KB, MB, GB, TB (powers of
// 1000); KiB, MiB, GiB, TiB (powers of 1024). Only whole numbers are
// accepted. Whether 0 is allowed is up to the key (Validate).
type Size uint64

var sizeUnits = map[string]uint64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// UnmarshalText parses text as described on Size; its error wraps
// ErrInvalidValue.
func (s *Size) UnmarshalText(text []byte) error {
	str := strings.TrimSpace(string(text))
	if strings.EqualFold(str, "unlimited") {
		*s = 0
		return nil
	}
	i := 0
	for i < len(str) && str[i] >= '0' && str[i] <= '9' {
		i++
	}
	bad := func() error {
		return invalidf("%q is not a size (want e.g. 1000, 512KiB, 1 GiB or unlimited)", string(text))
	}
	if i == 0 {
		return bad()
	}
	n, err := strconv.ParseUint(str[:i], 10, 64)
	if err != nil {
		return bad()
	}
	mult, ok := sizeUnits[strings.ToLower(strings.TrimSpace(str[i:]))]
	if !ok {
		return bad()
	}
	hi, lo := bits.Mul64(n, mult)
	if hi != 0 {
		return invalidf("%q overflows a 64-bit byte count", string(text))
	}
	*s = Size(lo)
	return nil
}

// MarshalText writes s in the largest binary unit that divides it exactly
// ("1GiB", "65MiB", "1000"), or "unlimited" for 0.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// String formats s as MarshalText does.
func (s Size) String() string {
	if s == 0 {
		return "unlimited"
	}
	for _, u := range []struct {
		name string
		mult uint64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if uint64(s)%u.mult == 0 {
			return strconv.FormatUint(uint64(s)/u.mult, 10) + u.name
		}
	}
	return strconv.FormatUint(uint64(s), 10)
}
