// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"

	"github.com/BurntSushi/toml"
)

// Load resolves the configuration: Defaults(), then the TOML file at path
// (skipped when path is ""), then every RIFFLE_<SECTION>_<KEY> variable in
// environ (os.Environ form). It does not validate ranges: apply flags with
// Set, then call Validate.
//
// Errors: reading the file returns the *os.PathError wrapped; a TOML syntax
// error is wrapped as "parse <path>: ..." with the line; otherwise every
// unknown key, unknown RIFFLE_ variable and value that does not parse is
// reported, each as a *KeyError (ErrUnknownKey or ErrInvalidValue) naming its
// source and key, joined with errors.Join. On error the returned Config is the
// zero value.
func Load(path string, environ []string) (Config, error) {
	c := Defaults()
	var errs []error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("load config: %w", err)
		}
		fileErrs, err := c.applyTOML(path, string(data))
		if err != nil {
			return Config{}, err
		}
		errs = fileErrs
	}
	errs = append(errs, c.applyEnv(environ)...)
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// applyTOML applies a TOML document. A syntax error is returned alone as err;
// key and value problems are returned in file order as errs.
func (c *Config) applyTOML(source, data string) (errs []error, err error) {
	var raw map[string]any
	md, err := toml.Decode(data, &raw)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", source, err)
	}
	reported := make(map[string]bool)
	report := func(keyName string, e error) {
		if !reported[keyName] {
			reported[keyName] = true
			errs = append(errs, &KeyError{Source: source, Key: keyName, Err: e})
		}
	}
	// md.Keys is in file order, which keeps the messages in that order too.
	// It omits implicit parent tables ("a" of [a.b]), hence the checks on
	// the first element whatever the key's length.
	for _, path := range md.Keys() {
		sec := path[0]
		if !sections[sec] {
			report(sec, ErrUnknownKey)
			continue
		}
		table, ok := raw[sec].(map[string]any)
		if !ok {
			report(sec, invalidf("is %s, want a table [%s]", tomlTypeName(raw[sec]), sec))
			continue
		}
		if len(path) != 2 {
			// len 1 is the table itself; len > 2 lies under a key that is
			// either unknown or a scalar given a table, reported at len 2.
			continue
		}
		name := sec + "." + path[1]
		k, ok := keyByName[name]
		if !ok {
			report(name, ErrUnknownKey)
			continue
		}
		f := c.field(k)
		text, e := tomlText(f, table[path[1]])
		if e == nil {
			e = setText(f, text)
		}
		if e != nil {
			report(name, e)
		}
	}
	return errs, nil
}

// tomlText turns a decoded TOML scalar into the text setText parses, so the
// file, the environment and flags share one parser. TOML booleans go only to
// boolean fields and back; integers go to integer, size and string fields
// (server.shards = 4); everything else must be a string.
func tomlText(f reflect.Value, v any) (string, error) {
	isBool := f.Kind() == reflect.Bool
	switch v := v.(type) {
	case bool:
		if isBool {
			return strconv.FormatBool(v), nil
		}
	case string:
		if !isBool {
			return v, nil
		}
	case int64:
		if !isBool {
			return strconv.FormatInt(v, 10), nil
		}
	}
	return "", invalidf("is %s, want %s", tomlTypeName(v), fieldWant(f))
}

func fieldWant(f reflect.Value) string {
	switch f.Interface().(type) {
	case Size:
		return "a size such as \"1GiB\" or 1048576"
	case Duration:
		return "a duration string such as \"20s\""
	}
	switch f.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "an integer"
	}
	return "a string"
}

func tomlTypeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "missing"
	case bool:
		return "a boolean"
	case string:
		return fmt.Sprintf("the string %q", v)
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a TOML %T", v)
}
