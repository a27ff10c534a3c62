// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
)

// ErrUnknownKey is wrapped by the *KeyError that Load and Set return for a
// key (file or flag) or RIFFLE_ variable that names no configuration key.
var ErrUnknownKey = errors.New("unknown key")

// ErrInvalidValue is wrapped by every error about a value: the *KeyError that
// Load and Set return when a value does not parse, the errors Validate joins
// when a value is out of range, and the errors Size.UnmarshalText and
// Duration.UnmarshalText return.
var ErrInvalidValue = errors.New("invalid value")

// KeyError says which key is wrong and why. Load, Set and Validate return it
// (Load and Validate possibly several, joined with errors.Join; errors.As
// finds the first).
type KeyError struct {
	// Source is where the value came from: the config file path, the
	// environment variable's name, or "" for Set and Validate.
	Source string
	// Key is the dotted key ("storage.durability"); for an unknown
	// environment variable, the key its name would stand for
	// (RIFFLE_STORAGE_DURABILTY → "storage.durabilty").
	Key string
	// Err is ErrUnknownKey or an error wrapping ErrInvalidValue whose text
	// gives the value and what is allowed.
	Err error
}

// Error reads `riffled.toml: unknown key "storage.durabilty"` or
// `storage.io: "uring2" is not one of auto, uring, sync`.
func (e *KeyError) Error() string {
	prefix := ""
	if e.Source != "" {
		prefix = e.Source + ": "
	}
	if e.Err == ErrUnknownKey {
		return fmt.Sprintf("%sunknown key %q", prefix, e.Key)
	}
	return prefix + e.Key + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *KeyError) Unwrap() error { return e.Err }

// valueError is a reason that wraps ErrInvalidValue without repeating its
// text, so messages read `storage.io: "x" is not one of ...`.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }
func (e *valueError) Unwrap() error { return ErrInvalidValue }

func invalidf(format string, args ...any) error {
	return &valueError{msg: fmt.Sprintf(format, args...)}
}
