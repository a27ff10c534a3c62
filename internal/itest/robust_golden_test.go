// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"riffle/internal/protocol"
)

// goldenDir holds the protocol package's session vectors.
var goldenDir = filepath.Join("..", "protocol", "testdata", "golden")

// goldenVector is one case of a golden session file (format in goldenDir/README.md).
type goldenVector struct {
	name    string
	line    int
	request []byte
	kind    string // "hex", "status", "ok" or "" (any response)
	status  uint32 // for kind "status"
	resp    []byte // for kind "hex"
	mask    []bool // true where resp holds a server-chosen byte (??)
}

// readGoldenVectors parses one golden session file. Only the parts a server replay
// needs are kept; "decode" lines are the protocol package's business.
func readGoldenVectors(path string) ([]goldenVector, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []goldenVector
	var cur *goldenVector
	into := "" // "request" or "response" while hex continues on indented lines
	addHex := func(s string) error {
		s = strings.Join(strings.Fields(s), "")
		if len(s)%2 != 0 {
			return fmt.Errorf("odd hex %q", s)
		}
		for i := 0; i < len(s); i += 2 {
			pair := s[i : i+2]
			if pair == "??" {
				if into != "response" {
					return fmt.Errorf("?? outside a response")
				}
				cur.resp = append(cur.resp, 0)
				cur.mask = append(cur.mask, true)
				continue
			}
			b, err := hex.DecodeString(pair)
			if err != nil {
				return err
			}
			if into == "request" {
				cur.request = append(cur.request, b[0])
			} else {
				cur.resp = append(cur.resp, b[0])
				cur.mask = append(cur.mask, false)
			}
		}
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		wrap := func(err error) error { return fmt.Errorf("%s line %d: %w", filepath.Base(path), ln, err) }
		if line[0] == ' ' || line[0] == '\t' {
			if into == "" || cur == nil {
				return nil, wrap(fmt.Errorf("continuation outside request or response"))
			}
			if err := addHex(line); err != nil {
				return nil, wrap(err)
			}
			continue
		}
		f := strings.Fields(line)
		into = ""
		switch f[0] {
		case "case":
			out = append(out, goldenVector{name: f[1], line: ln})
			cur = &out[len(out)-1]
		case "request":
			into = "request"
			if err := addHex(strings.Join(f[1:], "")); err != nil {
				return nil, wrap(err)
			}
		case "decode":
		case "response":
			switch {
			case len(f) == 3 && f[1] == "status":
				n, err := strconv.ParseUint(f[2], 10, 32)
				if err != nil {
					return nil, wrap(err)
				}
				cur.kind, cur.status = "status", uint32(n)
			case len(f) == 2 && f[1] == "ok":
				cur.kind = "ok"
			default:
				cur.kind, into = "hex", "response"
				cur.resp = []byte{}
				if err := addHex(strings.Join(f[1:], "")); err != nil {
					return nil, wrap(err)
				}
			}
		default:
			return nil, wrap(fmt.Errorf("unknown directive %q", f[0]))
		}
	}
	return out, sc.Err()
}

// check compares a response frame with the vector.
func (v goldenVector) check(status uint32, payload []byte) error {
	switch v.kind {
	case "status":
		if status != v.status || len(payload) != 0 {
			return fmt.Errorf("got status %d with %d bytes, want status %d with 0", status, len(payload), v.status)
		}
	case "ok":
		if status != 0 {
			return fmt.Errorf("got status %d, want OK", status)
		}
	case "hex":
		got := binary.LittleEndian.AppendUint32(nil, status)
		got = binary.LittleEndian.AppendUint32(got, uint32(len(payload)))
		got = append(got, payload...)
		if len(got) != len(v.resp) {
			return fmt.Errorf("got %d response bytes, want %d\n got %x\nwant %s", len(got), len(v.resp), got, v.maskedHex())
		}
		for i := range got {
			if !v.mask[i] && got[i] != v.resp[i] {
				return fmt.Errorf("response byte %d is %02x, want %02x\n got %x\nwant %s", i, got[i], v.resp[i], got, v.maskedHex())
			}
		}
	}
	return nil
}

func (v goldenVector) maskedHex() string {
	var b strings.Builder
	for i, c := range v.resp {
		if v.mask[i] {
			b.WriteString("??")
		} else {
			fmt.Fprintf(&b, "%02x", c)
		}
	}
	return b.String()
}

// Every golden session, replayed in order on one connection to a fresh
// server, gets the response bytes the vectors give (server-chosen bytes
// masked), and together the sessions exercise every command code.
func TestGoldenVectorsReplayAgainstServer(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.hex"))
	if err != nil || len(files) == 0 {
		t.Fatalf("golden files in %s: %v %v", goldenDir, files, err)
	}
	codes := map[protocol.Code]int{}
	sessions := map[string][]goldenVector{}
	for _, f := range files {
		vs, err := readGoldenVectors(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) == 0 {
			t.Fatalf("%s has no cases", f)
		}
		for _, v := range vs {
			if len(v.request) < 8 {
				t.Fatalf("%s case %s: request shorter than a header", f, v.name)
			}
			codes[protocol.Code(binary.LittleEndian.Uint32(v.request[4:]))]++
		}
		sessions[filepath.Base(f)] = vs
	}
	for _, c := range protocol.Codes() {
		if codes[c] == 0 {
			t.Errorf("no golden vector exercises %v (%d)", c, uint32(c))
		}
	}
	if n := len(protocol.Codes()); n != 47 {
		t.Errorf("protocol knows %d codes, want the 47 of Iggy 0.8", n)
	}
	total := 0
	for _, f := range files {
		name := filepath.Base(f)
		vs := sessions[name]
		total += len(vs)
		t.Run(strings.TrimSuffix(name, ".hex"), func(t *testing.T) {
			s := Start(t, Options{Shards: 2})
			c := dialRaw(t, s.Addr)
			for _, v := range vs {
				if _, err := c.Write(v.request); err != nil {
					t.Fatalf("case %s (line %d): write: %v", v.name, v.line, err)
				}
				st, p, err := c.readResponse()
				if err != nil {
					t.Fatalf("case %s (line %d): read response: %v", v.name, v.line, err)
				}
				if err := v.check(st, p); err != nil {
					t.Errorf("case %s (line %d): %v", v.name, v.line, err)
				}
			}
			if err := c.ping(); err != nil {
				t.Fatalf("connection unusable after the session: %v", err)
			}
		})
	}
	known := 0
	for c := range codes {
		if c.Known() {
			known++
		}
	}
	t.Logf("replayed %d cases in %d sessions; %d of %d codes exercised", total, len(files), known, len(protocol.Codes()))
}
