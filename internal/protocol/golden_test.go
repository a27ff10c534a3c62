// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// goldenCase is one case of a testdata/golden/*.hex file (format in
// testdata/golden/README.md).
type goldenCase struct {
	name      string
	line      int
	request   []byte
	decodeOK  bool
	decodeSt  Status
	response  []byte // nil unless a hex response is given
	mask      []bool // true where the response byte is "??"
	respSt    Status // for "response status N"
	respKind  string // "", "hex", "status", "ok"
	hasDecode bool
}

// parseGolden reads a golden file. It is strict: unknown directives, odd hex
// and duplicate names are errors.
func parseGolden(data []byte) ([]goldenCase, error) {
	var cases []goldenCase
	var cur *goldenCase
	var target *[]byte // directive receiving continuation hex
	var maskTarget *[]bool
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	ln := 0
	addHex := func(s string) error {
		s = strings.Join(strings.Fields(s), "")
		if len(s)%2 != 0 {
			return errors.New("odd number of hex digits")
		}
		for i := 0; i < len(s); i += 2 {
			if s[i:i+2] == "??" {
				if maskTarget == nil {
					return errors.New("?? outside a response")
				}
				*target = append(*target, 0)
				*maskTarget = append(*maskTarget, true)
				continue
			}
			b, err := hex.DecodeString(s[i : i+2])
			if err != nil {
				return err
			}
			*target = append(*target, b[0])
			if maskTarget != nil {
				*maskTarget = append(*maskTarget, false)
			}
		}
		return nil
	}
	for sc.Scan() {
		ln++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		fail := func(err error) error { return errors.New("line " + strconv.Itoa(ln) + ": " + err.Error()) }
		if line[0] == ' ' || line[0] == '\t' {
			if target == nil {
				return nil, fail(errors.New("continuation outside request or response"))
			}
			if err := addHex(line); err != nil {
				return nil, fail(err)
			}
			continue
		}
		fields := strings.Fields(line)
		target, maskTarget = nil, nil
		switch fields[0] {
		case "case":
			if len(fields) != 2 || seen[fields[1]] {
				return nil, fail(errors.New("bad or duplicate case name"))
			}
			seen[fields[1]] = true
			cases = append(cases, goldenCase{name: fields[1], line: ln})
			cur = &cases[len(cases)-1]
		case "request":
			if cur == nil {
				return nil, fail(errors.New("request outside a case"))
			}
			target = &cur.request
			if err := addHex(strings.Join(fields[1:], "")); err != nil {
				return nil, fail(err)
			}
		case "decode":
			if cur == nil || len(fields) < 2 {
				return nil, fail(errors.New("bad decode"))
			}
			cur.hasDecode = true
			switch {
			case fields[1] == "ok" && len(fields) == 2:
				cur.decodeOK = true
			case fields[1] == "status" && len(fields) == 3:
				n, err := strconv.ParseUint(fields[2], 10, 32)
				if err != nil || n == 0 {
					return nil, fail(errors.New("bad decode status"))
				}
				cur.decodeSt = Status(n)
			default:
				return nil, fail(errors.New("bad decode"))
			}
		case "response":
			if cur == nil {
				return nil, fail(errors.New("response outside a case"))
			}
			switch {
			case len(fields) == 1:
				cur.respKind = "hex"
				cur.response = []byte{}
				target, maskTarget = &cur.response, &cur.mask
			case fields[1] == "ok" && len(fields) == 2:
				cur.respKind = "ok"
			case fields[1] == "status" && len(fields) == 3:
				n, err := strconv.ParseUint(fields[2], 10, 32)
				if err != nil || n == 0 {
					return nil, fail(errors.New("bad response status"))
				}
				cur.respKind, cur.respSt = "status", Status(n)
			default:
				cur.respKind = "hex"
				cur.response = []byte{}
				target, maskTarget = &cur.response, &cur.mask
				if err := addHex(strings.Join(fields[1:], "")); err != nil {
					return nil, fail(err)
				}
			}
		default:
			return nil, fail(errors.New("unknown directive " + fields[0]))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, c := range cases {
		if !c.hasDecode || len(c.request) < RequestHeaderSize {
			return nil, errors.New("case " + c.name + ": needs a request and a decode line")
		}
	}
	return cases, nil
}

// goldenResponse returns the response decoder of a command, or nil when its
// OK payload is always empty.
func goldenResponse(code Code) responseCodec {
	switch code {
	case CodeGetStats:
		return new(Stats)
	case CodeGetClusterMetadata:
		return new(ClusterMetadata)
	case CodeGetMe, CodeGetClient:
		return new(ClientDetails)
	case CodeGetClients:
		return new(ClientList)
	case CodeGetUser, CodeCreateUser:
		return new(UserDetails)
	case CodeGetUsers:
		return new(UserList)
	case CodeLoginUser, CodeLoginWithPersonalAccessToken:
		return new(IdentityInfo)
	case CodeGetPersonalAccessTokens:
		return new(PersonalAccessTokenList)
	case CodeCreatePersonalAccessToken:
		return new(RawPersonalAccessToken)
	case CodeGetConsumerOffset:
		return new(ConsumerOffsetInfo)
	case CodeGetStream:
		return new(StreamDetails)
	case CodeGetStreams:
		return new(StreamList)
	case CodeCreateStream:
		return new(StreamInfo)
	case CodeGetTopic, CodeCreateTopic:
		return new(TopicDetails)
	case CodeGetTopics:
		return new(TopicList)
	case CodeGetConsumerGroup:
		return new(GroupDetails)
	case CodeGetConsumerGroups:
		return new(GroupList)
	case CodeCreateConsumerGroup:
		return new(GroupInfo)
	}
	return nil
}

// polledCodec adapts DecodePolledMessages to responseCodec.
type polledCodec struct{ PolledMessages }

func (p *polledCodec) Decode(b []byte) (err error) {
	p.PolledMessages, err = DecodePolledMessages(b)
	return err
}

func TestGoldenVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.hex"))
	if err != nil || len(files) < 8 {
		t.Fatalf("golden files: %v, %v", files, err)
	}
	codesSeen := map[Code]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := parseGolden(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cases {
			t.Run(filepath.Base(file)+"/"+c.name, func(t *testing.T) {
				code := checkGoldenRequest(t, c)
				codesSeen[code] = true
				checkGoldenResponse(t, c, code)
			})
		}
	}
	for _, c := range Codes() {
		if !codesSeen[c] {
			t.Errorf("no golden vector for %v", c)
		}
	}
}

func checkGoldenRequest(t *testing.T, c goldenCase) Code {
	t.Helper()
	code, payload, n, err := SplitRequestFrame(c.request)
	if err != nil || n != len(c.request) {
		t.Fatalf("line %d: request frame does not split: n=%d of %d, %v", c.line, n, len(c.request), err)
	}
	var req Request
	if code == CodeSendMessages {
		var s SendMessages
		s, err = ParseSendMessages(payload)
		req = &s
	} else {
		req, err = DecodeRequest(code, payload)
	}
	if !c.decodeOK {
		wantStatus(t, err, c.decodeSt)
		return code
	}
	if err != nil {
		t.Fatalf("line %d: decode: %v", c.line, err)
	}
	if enc := req.AppendTo(nil); !bytes.HasPrefix(payload, enc) {
		t.Fatalf("line %d: re-encoded %x is not the payload %x", c.line, enc, payload)
	}
	return code
}

func checkGoldenResponse(t *testing.T, c goldenCase, code Code) {
	t.Helper()
	switch c.respKind {
	case "status":
		if !c.respSt.Known() {
			t.Fatalf("line %d: unknown status %d", c.line, c.respSt)
		}
		return
	case "hex":
	default:
		return
	}
	st, payload, n := SplitResponseFrame(c.response)
	if n != len(c.response) || st != StatusOK {
		t.Fatalf("line %d: response frame: status %v, %d of %d bytes", c.line, st, n, len(c.response))
	}
	if len(c.mask) != len(c.response) || c.mask[0] || c.mask[4] {
		t.Fatalf("line %d: the response header may not be masked", c.line)
	}
	var dec responseCodec = goldenResponse(code)
	if code == CodePollMessages {
		dec = new(polledCodec)
	}
	if dec == nil {
		if len(payload) != 0 {
			t.Fatalf("line %d: %v answers an empty OK, vector has %d bytes", c.line, code, len(payload))
		}
		return
	}
	if len(payload) == 0 {
		if err := dec.Decode(payload); err != nil && !errors.Is(err, ErrEmpty) {
			t.Fatalf("line %d: empty payload: %v", c.line, err)
		}
		return
	}
	// Masked bytes were read as 0; the layout must still decode and
	// re-encode byte for byte.
	if err := dec.Decode(payload); err != nil {
		t.Fatalf("line %d: response decode: %v", c.line, err)
	}
	if enc := dec.AppendTo(nil); !bytes.Equal(enc, payload) {
		t.Fatalf("line %d: response re-encoded\n got %x\nwant %x", c.line, enc, payload)
	}
}

func TestGoldenParserRejectsMalformedFiles(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"odd hex", "case a\nrequest 040000000\ndecode ok\n"},
		{"unknown directive", "case a\nrequest 04000000 01000000\ndecode ok\nreply 00\n"},
		{"duplicate case", "case a\nrequest 04000000 01000000\ndecode ok\ncase a\nrequest 04000000 01000000\ndecode ok\n"},
		{"mask in request", "case a\nrequest 04000000 ??000000\ndecode ok\n"},
		{"missing decode", "case a\nrequest 04000000 01000000\n"},
		{"status 0", "case a\nrequest 04000000 01000000\ndecode status 0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseGolden([]byte(tc.data)); err == nil {
				t.Fatal("parsed")
			}
		})
	}
}
