// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// Argument parsers. Every error they return is a *usageError (exit status 2).

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n && n == 0 {
			return usageErrorf("%s takes no arguments, got %d", cmd.CommandPath(), len(args))
		}
		if len(args) != n {
			return usageErrorf("%s: want %s (%s), got %d", cmd.CommandPath(), plural(n, "argument"), argNames(cmd), len(args))
		}
		return nil
	}
}

// rangeArgs is cobra.RangeArgs with a usage error.
func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || (hi >= 0 && len(args) > hi) {
			return usageErrorf("%s: wrong number of arguments (usage: %s), got %d", cmd.CommandPath(), cmd.UseLine(), len(args))
		}
		return nil
	}
}

// argNames is the part of Use after the command name.
func argNames(cmd *cobra.Command) string {
	_, rest, _ := strings.Cut(cmd.Use, " ")
	return rest
}

// parseID parses a stream, topic, group, user or consumer identifier:
// numeric when it parses as a u32, a name otherwise (Iggy CLI rule).
func parseID(what, s string) (protocol.Identifier, error) {
	id, err := client.ParseIdentifier(s)
	if err != nil {
		return id, usageErrorf("%s: %v", what, err)
	}
	return id, nil
}

// parseU32 parses a non-negative 32-bit number.
func parseU32(what, s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, usageErrorf("%s %q: want a number from 0 to %d", what, s, uint32(math.MaxUint32))
	}
	return uint32(n), nil
}

// parseU64 parses a non-negative 64-bit number.
func parseU64(what, s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usageErrorf("%s %q: want a non-negative number", what, s)
	}
	return n, nil
}

// parseCount parses a count of at least 1.
func parseCount(what, s string) (uint32, error) {
	n, err := parseU32(what, s)
	if err == nil && n == 0 {
		err = usageErrorf("%s: want at least 1", what)
	}
	return n, err
}

var compressions = map[string]uint8{"none": protocol.CompressionNone, "gzip": protocol.CompressionGzip}

// parseCompression parses "none" or "gzip".
func parseCompression(s string) (uint8, error) {
	if c, ok := compressions[strings.ToLower(s)]; ok {
		return c, nil
	}
	return 0, usageErrorf("compression %q: want none or gzip", s)
}

func compressionName(c uint8) string {
	switch c {
	case protocol.CompressionNone:
		return "none"
	case protocol.CompressionGzip:
		return "gzip"
	}
	return fmt.Sprintf("unknown(%d)", c)
}

// durationUnits are the units of human durations, in µs.
var durationUnits = map[string]uint64{
	"us": 1, "usec": 1, "µs": 1,
	"ms": 1e3, "msec": 1e3,
	"s": 1e6, "sec": 1e6, "secs": 1e6, "second": 1e6, "seconds": 1e6,
	"m": 60e6, "min": 60e6, "mins": 60e6, "minute": 60e6, "minutes": 60e6,
	"h": 3600e6, "hr": 3600e6, "hrs": 3600e6, "hour": 3600e6, "hours": 3600e6,
	"d": 86400e6, "day": 86400e6, "days": 86400e6,
	"w": 7 * 86400e6, "week": 7 * 86400e6, "weeks": 7 * 86400e6,
}

// parseExpiry parses a message or token expiry in µs from one or more words:
// "server_default" (or nothing) is 0, "never" or "unlimited" is
// protocol.ExpiryNever, anything else a human duration such as "15days",
// "1h 30min" or "90s".
func parseExpiry(words []string) (uint64, error) {
	s := strings.TrimSpace(strings.Join(words, " "))
	switch strings.ToLower(s) {
	case "", "server_default", "default":
		return protocol.ExpiryServerDefault, nil
	case "never", "unlimited", "none":
		return protocol.ExpiryNever, nil
	}
	us, err := parseHumanDuration(s)
	if err != nil {
		return 0, usageErrorf("expiry %q: %v (or use never, server_default)", s, err)
	}
	if us == 0 {
		return 0, usageErrorf("expiry %q: must be positive (or use never, server_default)", s)
	}
	return us, nil
}

// parseHumanDuration parses a sequence of <number><unit> parts, optionally
// separated by spaces, into µs.
func parseHumanDuration(s string) (uint64, error) {
	var total uint64
	rest := strings.TrimSpace(s)
	if rest == "" {
		return 0, fmt.Errorf("empty duration")
	}
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsDigit(r) })
		if i == 0 {
			return 0, fmt.Errorf("want a number before %q", rest)
		}
		if i < 0 {
			return 0, fmt.Errorf("number %q has no unit (s, min, h, days, …)", rest)
		}
		n, err := strconv.ParseUint(rest[:i], 10, 64)
		if err != nil {
			return 0, err
		}
		rest = strings.TrimLeft(rest[i:], " ")
		j := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsDigit(r) || r == ' ' })
		if j < 0 {
			j = len(rest)
		}
		unit, ok := durationUnits[rest[:j]]
		if !ok {
			return 0, fmt.Errorf("unknown unit %q", rest[:j])
		}
		if n > math.MaxUint64/unit || total+n*unit < total {
			return 0, fmt.Errorf("too long")
		}
		total += n * unit
		rest = strings.TrimLeft(rest[j:], " ")
	}
	return total, nil
}

// expiryText shows a resolved expiry in µs.
func expiryText(us uint64) string {
	switch us {
	case protocol.ExpiryNever:
		return "never"
	case protocol.ExpiryServerDefault:
		return "server default"
	}
	return (time.Duration(us) * time.Microsecond).String()
}

var sizeUnits = map[string]uint64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseSize parses a topic size limit: "server_default" (or "") is 0,
// "unlimited" is protocol.TopicSizeUnlimited, anything else a byte count with
// an optional unit (B, KB, MB, GB, TB in powers of 1000; KiB, MiB, GiB, TiB in
// powers of 1024), e.g. "15GB" or "512MiB".
func parseSize(s string) (uint64, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "server_default", "default":
		return protocol.TopicSizeDefault, nil
	case "unlimited", "none":
		return protocol.TopicSizeUnlimited, nil
	}
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	if i < 0 {
		i = len(t)
	}
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok || i == 0 {
		return 0, usageErrorf("size %q: want a number with an optional unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), unlimited or server_default", s)
	}
	if n, err := strconv.ParseUint(t[:i], 10, 64); err == nil {
		if n > math.MaxUint64/unit {
			return 0, usageErrorf("size %q: too large", s)
		}
		return n * unit, nil
	}
	f, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || f*float64(unit) >= math.MaxUint64 {
		return 0, usageErrorf("size %q: not a number", s)
	}
	return uint64(f * float64(unit)), nil
}

// sizeText shows a byte count (or limit) for people.
func sizeText(n uint64) string {
	switch n {
	case protocol.TopicSizeUnlimited:
		return "unlimited"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// parseUserStatus parses "active" or "inactive".
func parseUserStatus(s string) (uint8, error) {
	switch strings.ToLower(s) {
	case "active":
		return protocol.UserActive, nil
	case "inactive":
		return protocol.UserInactive, nil
	}
	return 0, usageErrorf("user status %q: want active or inactive", s)
}

func userStatusName(s uint8) string {
	switch s {
	case protocol.UserActive:
		return "active"
	case protocol.UserInactive:
		return "inactive"
	}
	return fmt.Sprintf("unknown(%d)", s)
}

// parseConsumerKind parses "consumer" or "consumer_group" (also "group").
func parseConsumerKind(s string) (protocol.ConsumerKind, error) {
	switch strings.ToLower(s) {
	case "consumer", "single":
		return protocol.ConsumerKindSingle, nil
	case "consumer_group", "consumer-group", "group":
		return protocol.ConsumerKindGroup, nil
	}
	return 0, usageErrorf("consumer kind %q: want consumer or consumer_group", s)
}

// headerKinds names the user-header kinds as Iggy's CLI does.
var headerKinds = []struct {
	name string
	kind protocol.HeaderKind
}{
	{"raw", protocol.HeaderRaw}, {"string", protocol.HeaderString}, {"bool", protocol.HeaderBool},
	{"int8", protocol.HeaderInt8}, {"int16", protocol.HeaderInt16}, {"int32", protocol.HeaderInt32},
	{"int64", protocol.HeaderInt64}, {"int128", protocol.HeaderInt128},
	{"uint8", protocol.HeaderUint8}, {"uint16", protocol.HeaderUint16}, {"uint32", protocol.HeaderUint32},
	{"uint64", protocol.HeaderUint64}, {"uint128", protocol.HeaderUint128},
	{"float32", protocol.HeaderFloat32}, {"float64", protocol.HeaderFloat64},
}

func headerKindName(k protocol.HeaderKind) string {
	for _, hk := range headerKinds {
		if hk.kind == k {
			return hk.name
		}
	}
	return fmt.Sprintf("kind%d", k)
}

// parseHeader parses KEY:KIND:VALUE into a header with a string key. The
// value may contain colons.
func parseHeader(s string) (protocol.UserHeader, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || parts[0] == "" {
		return protocol.UserHeader{}, usageErrorf("header %q: want key:kind:value", s)
	}
	key, kindName, val := parts[0], strings.ToLower(parts[1]), parts[2]
	if len(key) > protocol.MaxHeaderFieldLength {
		return protocol.UserHeader{}, usageErrorf("header %q: key longer than %d bytes", s, protocol.MaxHeaderFieldLength)
	}
	kind := protocol.HeaderKind(0)
	for _, hk := range headerKinds {
		if hk.name == kindName {
			kind = hk.kind
		}
	}
	if kind == 0 {
		names := make([]string, len(headerKinds))
		for i, hk := range headerKinds {
			names[i] = hk.name
		}
		return protocol.UserHeader{}, usageErrorf("header %q: kind %q is not one of %s", s, parts[1], strings.Join(names, ", "))
	}
	v, err := encodeHeaderValue(kind, val)
	if err != nil {
		return protocol.UserHeader{}, usageErrorf("header %q: %v", s, err)
	}
	return protocol.UserHeader{KeyKind: protocol.HeaderString, Key: []byte(key), ValueKind: kind, Value: v}, nil
}

// encodeHeaderValue encodes the text of a value as its kind's bytes.
func encodeHeaderValue(kind protocol.HeaderKind, s string) ([]byte, error) {
	le := func(v uint64, n int) []byte {
		b := make([]byte, n)
		for i := range n {
			b[i] = byte(v >> (8 * i))
		}
		return b
	}
	switch kind {
	case protocol.HeaderRaw, protocol.HeaderString:
		if len(s) == 0 || len(s) > protocol.MaxHeaderFieldLength {
			return nil, fmt.Errorf("value must be 1 to %d bytes", protocol.MaxHeaderFieldLength)
		}
		return []byte(s), nil
	case protocol.HeaderBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("value %q is not a bool", s)
		}
		if b {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	case protocol.HeaderInt8, protocol.HeaderInt16, protocol.HeaderInt32, protocol.HeaderInt64:
		size := kind.FixedSize()
		n, err := strconv.ParseInt(s, 10, 8*size)
		if err != nil {
			return nil, fmt.Errorf("value %q is not a %d-bit integer", s, 8*size)
		}
		return le(uint64(n), size), nil
	case protocol.HeaderUint8, protocol.HeaderUint16, protocol.HeaderUint32, protocol.HeaderUint64:
		size := kind.FixedSize()
		n, err := strconv.ParseUint(s, 10, 8*size)
		if err != nil {
			return nil, fmt.Errorf("value %q is not an unsigned %d-bit integer", s, 8*size)
		}
		return le(n, size), nil
	case protocol.HeaderInt128, protocol.HeaderUint128:
		n, ok := new(big.Int).SetString(s, 10)
		lim := new(big.Int).Lsh(big.NewInt(1), 128)
		lo := new(big.Int)
		if kind == protocol.HeaderInt128 {
			lim.Rsh(lim, 1)
			lo.Neg(lim)
		}
		if !ok || n.Cmp(lo) < 0 || n.Cmp(lim) >= 0 {
			return nil, fmt.Errorf("value %q is not a %s", s, headerKindName(kind))
		}
		if n.Sign() < 0 {
			n.Add(n, new(big.Int).Lsh(big.NewInt(1), 128))
		}
		be := n.FillBytes(make([]byte, 16))
		for i, j := 0, 15; i < j; i, j = i+1, j-1 {
			be[i], be[j] = be[j], be[i]
		}
		return be, nil
	case protocol.HeaderFloat32:
		f, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return nil, fmt.Errorf("value %q is not a float32", s)
		}
		return le(uint64(math.Float32bits(float32(f))), 4), nil
	case protocol.HeaderFloat64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("value %q is not a float64", s)
		}
		return le(math.Float64bits(f), 8), nil
	}
	return nil, fmt.Errorf("unsupported kind %d", kind)
}

// headerValueText shows a header key or value of the given kind; raw bytes
// and anything malformed show as payloads do (text or base64).
func headerValueText(kind protocol.HeaderKind, b []byte) string {
	u := func() uint64 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	if fs := kind.FixedSize(); fs != 0 && fs != len(b) {
		text, _ := payloadText(b)
		return text
	}
	switch kind {
	case protocol.HeaderString:
		return string(b)
	case protocol.HeaderBool:
		return strconv.FormatBool(b[0] != 0)
	case protocol.HeaderInt8:
		return strconv.FormatInt(int64(int8(u())), 10)
	case protocol.HeaderInt16:
		return strconv.FormatInt(int64(int16(u())), 10)
	case protocol.HeaderInt32:
		return strconv.FormatInt(int64(int32(u())), 10)
	case protocol.HeaderInt64:
		return strconv.FormatInt(int64(u()), 10)
	case protocol.HeaderUint8, protocol.HeaderUint16, protocol.HeaderUint32, protocol.HeaderUint64:
		return strconv.FormatUint(u(), 10)
	case protocol.HeaderInt128, protocol.HeaderUint128:
		n := u128(b)
		if kind == protocol.HeaderInt128 && b[15]&0x80 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), 128))
		}
		return n.String()
	case protocol.HeaderFloat32:
		return strconv.FormatFloat(float64(math.Float32frombits(uint32(u()))), 'g', -1, 32)
	case protocol.HeaderFloat64:
		return strconv.FormatFloat(math.Float64frombits(u()), 'g', -1, 64)
	}
	text, _ := payloadText(b)
	return text
}

// u128 reads 16 little-endian bytes as an unsigned number.
func u128(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(be)
}
