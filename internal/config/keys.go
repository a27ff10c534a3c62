// SPDX-License-Identifier: Apache-2.0

package config

import (
	"encoding"
	"reflect"
	"strconv"
	"strings"
)

// EnvPrefix starts every environment variable Load reads.
const EnvPrefix = "RIFFLE_"

// key is one configuration key, derived from the toml tags of Config.
type key struct {
	name  string // "storage.durability"
	env   string // "RIFFLE_STORAGE_DURABILITY"
	index []int  // field path for reflect.Value.FieldByIndex
}

var (
	keyList   = buildKeys()
	keyByName = make(map[string]*key, len(keyList))
	keyByEnv  = make(map[string]*key, len(keyList))
	sections  = make(map[string]bool)
)

func init() {
	for i := range keyList {
		k := &keyList[i]
		keyByName[k.name] = k
		keyByEnv[k.env] = k
		sec, _, _ := strings.Cut(k.name, ".")
		sections[sec] = true
	}
}

// buildKeys walks Config's two levels of toml tags. A section tag with an
// underscore would make RIFFLE_<SECTION>_<KEY> ambiguous.
func buildKeys() []key {
	var keys []key
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		sf := ct.Field(i)
		sec := sf.Tag.Get("toml")
		if sec == "" || strings.Contains(sec, "_") || sf.Type.Kind() != reflect.Struct {
			panic("BUG: config section " + sf.Name + " needs a toml tag without '_' and a struct type")
		}
		for j := range sf.Type.NumField() {
			kf := sf.Type.Field(j)
			name := kf.Tag.Get("toml")
			if name == "" {
				panic("BUG: config field " + sf.Name + "." + kf.Name + " has no toml tag")
			}
			keys = append(keys, key{
				name:  sec + "." + name,
				env:   EnvPrefix + strings.ToUpper(sec+"_"+name),
				index: []int{i, j},
			})
		}
	}
	return keys
}

// Keys returns every configuration key ("server.data_dir", ...) in the order
// Config declares them. The caller owns the returned slice.
func Keys() []string {
	out := make([]string, len(keyList))
	for i, k := range keyList {
		out[i] = k.name
	}
	return out
}

// EnvName returns the environment variable for a dotted key
// ("storage.durability" → "RIFFLE_STORAGE_DURABILITY"), or "" if key names no
// configuration key.
func EnvName(key string) string {
	if k, ok := keyByName[key]; ok {
		return k.env
	}
	return ""
}

// Set parses value with the parser the environment overrides use and stores
// it under key ("storage.durability", "fsync"). It is how cmd/riffled applies
// flags. It checks only that value parses for the field's type; ranges and
// allowed words are Validate's job. It returns a *KeyError wrapping
// ErrUnknownKey or ErrInvalidValue, and leaves c unchanged on error.
func (c *Config) Set(key, value string) error {
	k, ok := keyByName[key]
	if !ok {
		return &KeyError{Key: key, Err: ErrUnknownKey}
	}
	if err := setText(c.field(k), value); err != nil {
		return &KeyError{Key: key, Err: err}
	}
	return nil
}

func (c *Config) field(k *key) reflect.Value {
	return reflect.ValueOf(c).Elem().FieldByIndex(k.index)
}

// setText is the one text parser behind the file, the environment and Set.
// It stores nothing when value does not parse.
func setText(f reflect.Value, value string) error {
	if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(value))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(value)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return invalidf("%q is not a boolean (want true or false)", value)
		}
		f.SetBool(b)
	case reflect.Int:
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 0)
		if err != nil {
			return invalidf("%q is not an integer", value)
		}
		f.SetInt(n)
	default:
		panic("BUG: config field of kind " + f.Kind().String() + " has no parser")
	}
	return nil
}

// ignoredEnv reports whether a RIFFLE_ variable is deliberately not a
// configuration key: the root password (a secret, read by the supervisor
// once), the test-timeout scale of internal/itest, and the unstable
// RIFFLE_DEBUG_ knobs.
func ignoredEnv(name string) bool {
	return name == "RIFFLE_ROOT_PASSWORD" || name == "RIFFLE_TIMESCALE" ||
		strings.HasPrefix(name, "RIFFLE_DEBUG_")
}

// applyEnv applies every RIFFLE_ variable of environ in order (a later
// duplicate wins) and returns all problems joined.
func (c *Config) applyEnv(environ []string) []error {
	var errs []error
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || ignoredEnv(name) {
			continue
		}
		k, ok := keyByEnv[name]
		if !ok {
			// Name the key the variable would have set, as the file does.
			guess := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
			guess = strings.Replace(guess, "_", ".", 1)
			errs = append(errs, &KeyError{Source: name, Key: guess, Err: ErrUnknownKey})
			continue
		}
		if err := setText(c.field(k), value); err != nil {
			errs = append(errs, &KeyError{Source: name, Key: k.name, Err: err})
		}
	}
	return errs
}
