// SPDX-License-Identifier: Apache-2.0

package client

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"riffle/internal/protocol"
)

// ParseIdentifier turns a command-line word into an Identifier by the rule of
// Iggy's CLI: a word that parses as a u32 is a numeric ID, anything else is a
// name. Names must be 1..255 bytes of UTF-8.
func ParseIdentifier(s string) (protocol.Identifier, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return protocol.NumericID(uint32(n)), nil
	}
	if len(s) == 0 || len(s) > 255 || !utf8.ValidString(s) {
		return protocol.Identifier{}, fmt.Errorf("identifier %q: want a number or a name of 1 to 255 bytes of UTF-8", s)
	}
	return protocol.NamedID(s), nil
}
