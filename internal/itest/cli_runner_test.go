// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"riffle/internal/client"
	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// cliRunner runs the riffle binary against one server with a private config
// directory and an environment free of the caller's RIFFLE_* variables.
type cliRunner struct {
	t    testing.TB
	s    *Server
	cfg  string   // XDG_CONFIG_HOME
	env  []string // extra environment
	auth []string // leading arguments: address and credentials
}

// cliResult is one run of the binary.
type cliResult struct {
	args   []string
	stdout string
	stderr string
	code   int
}

// cliTokenSeq numbers the root tokens of runners.
var cliTokenSeq atomic.Int32

// newCLIRunner returns a runner that addresses s as root through flags. It
// logs in with a personal access token of root (named cliRunnerToken-N) made
// for it: a password login costs an argon2id hash on the server, which under
// the race detector makes every run slower. Password logins are tested where
// they matter (as, contexts, error cases).
func newCLIRunner(t testing.TB, s *Server) *cliRunner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Scale(30*time.Second))
	defer cancel()
	c, err := client.Dial(ctx, s.Addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Login(ctx, "iggy", "iggy"); err != nil {
		t.Fatalf("login as root: %v", err)
	}
	name := fmt.Sprintf("%s-%d", cliRunnerToken, cliTokenSeq.Add(1))
	token, err := c.CreatePersonalAccessToken(ctx, name, protocol.ExpiryNever)
	if err != nil {
		t.Fatalf("create token %s: %v", name, err)
	}
	return &cliRunner{t: t, s: s, cfg: t.TempDir(), auth: []string{"--addr", s.Addr, "--token", token}}
}

// cliRunnerToken prefixes the names of the runners' root tokens.
const cliRunnerToken = "cli-runner"

// as returns a runner that logs in as user with password.
func (r *cliRunner) as(user, password string) *cliRunner {
	c := *r
	c.auth = []string{"--addr", r.s.Addr, "-u", user, "-p", password}
	return &c
}

// bare returns a runner that passes no address or credentials flags.
func (r *cliRunner) bare(env ...string) *cliRunner {
	c := *r
	c.auth = nil
	c.env = append(append([]string(nil), r.env...), env...)
	return &c
}

// run runs riffle with the runner's leading arguments, then args.
func (r *cliRunner) run(args ...string) cliResult { return r.runStdin("", args...) }

// runStdin is run with stdin as standard input.
func (r *cliRunner) runStdin(stdin string, args ...string) cliResult {
	r.t.Helper()
	full := append(append([]string(nil), r.auth...), args...)
	cmd := exec.Command(filepath.Join(binDir, "riffle"), full...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RIFFLE_") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "XDG_CONFIG_HOME="+r.cfg), r.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := cliResult{args: full, stdout: out.String(), stderr: errb.String()}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			r.t.Fatalf("run riffle %q: %v", full, err)
		}
		res.code = ee.ExitCode()
	}
	return res
}

// ok runs riffle, fails the test unless it exits 0, and returns stdout.
func (r *cliRunner) ok(args ...string) string {
	r.t.Helper()
	res := r.run(args...)
	if res.code != 0 {
		r.t.Fatalf("riffle %q exited %d\nstdout: %s\nstderr: %s", res.args, res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// json runs riffle with -o json, expects exit 0 and decodes stdout into v
// strictly (unknown fields fail, so the field names are checked).
func (r *cliRunner) json(v any, args ...string) {
	r.t.Helper()
	out := r.ok(append([]string{"-o", "json"}, args...)...)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		r.t.Fatalf("riffle -o json %q: decode %T: %v\n%s", args, v, err, out)
	}
}

// fails runs riffle, expects exit code code with nothing on stdout, and
// checks that stderr holds every want string.
func (r *cliRunner) fails(code int, want []string, args ...string) cliResult {
	r.t.Helper()
	res := r.run(args...)
	if res.code != code {
		r.t.Fatalf("riffle %q exited %d, want %d\nstdout: %s\nstderr: %s", res.args, res.code, code, res.stdout, res.stderr)
	}
	if res.stdout != "" {
		r.t.Fatalf("riffle %q failed but printed to stdout: %s", res.args, res.stdout)
	}
	for _, w := range want {
		if !strings.Contains(res.stderr, w) {
			r.t.Fatalf("riffle %q: stderr %q does not contain %q", res.args, res.stderr, w)
		}
	}
	return res
}

// Views decoded from -o json, field names as the CLI documents them.

type cliStream struct {
	ID            uint32     `json:"id"`
	Name          string     `json:"name"`
	CreatedAt     uint64     `json:"created_at_us"`
	TopicsCount   uint32     `json:"topics_count"`
	SizeBytes     uint64     `json:"size_bytes"`
	MessagesCount uint64     `json:"messages_count"`
	Topics        []cliTopic `json:"topics"`
}

type cliTopic struct {
	ID                uint32         `json:"id"`
	Name              string         `json:"name"`
	CreatedAt         uint64         `json:"created_at_us"`
	PartitionsCount   uint32         `json:"partitions_count"`
	MessageExpiry     *uint64        `json:"message_expiry_us"`
	Compression       string         `json:"compression"`
	MaxTopicSize      *uint64        `json:"max_topic_size_bytes"`
	ReplicationFactor uint8          `json:"replication_factor"`
	SizeBytes         uint64         `json:"size_bytes"`
	MessagesCount     uint64         `json:"messages_count"`
	Partitions        []cliPartition `json:"partitions"`
}

type cliPartition struct {
	ID            uint32 `json:"id"`
	CreatedAt     uint64 `json:"created_at_us"`
	SegmentsCount uint32 `json:"segments_count"`
	CurrentOffset uint64 `json:"current_offset"`
	SizeBytes     uint64 `json:"size_bytes"`
	MessagesCount uint64 `json:"messages_count"`
}

type cliPoll struct {
	PartitionID   uint32       `json:"partition_id"`
	CurrentOffset uint64       `json:"current_offset"`
	Count         int          `json:"count"`
	Messages      []cliMessage `json:"messages"`
}

type cliMessage struct {
	Offset          uint64      `json:"offset"`
	ID              string      `json:"id"`
	Timestamp       uint64      `json:"timestamp_us"`
	OriginTimestamp uint64      `json:"origin_timestamp_us"`
	Checksum        uint64      `json:"checksum"`
	Size            int         `json:"payload_size"`
	Payload         string      `json:"payload"`
	PayloadEncoding string      `json:"payload_encoding"`
	Headers         []cliHeader `json:"headers"`
}

type cliHeader struct {
	Key       string `json:"key"`
	KeyKind   string `json:"key_kind"`
	Value     string `json:"value"`
	ValueKind string `json:"kind"`
}

type cliGroup struct {
	ID              uint32 `json:"id"`
	Name            string `json:"name"`
	PartitionsCount uint32 `json:"partitions_count"`
	MembersCount    uint32 `json:"members_count"`
	Members         []struct {
		ID         uint32   `json:"id"`
		Partitions []uint32 `json:"partitions"`
	} `json:"members"`
}

type cliOffset struct {
	PartitionID   uint32 `json:"partition_id"`
	CurrentOffset uint64 `json:"current_offset"`
	StoredOffset  uint64 `json:"stored_offset"`
}

type cliUser struct {
	ID          uint32    `json:"id"`
	Username    string    `json:"username"`
	Status      string    `json:"status"`
	CreatedAt   uint64    `json:"created_at_us"`
	Permissions *cliPerms `json:"permissions"`
}

type cliPerms struct {
	Global  map[string]bool `json:"global"`
	Streams []struct {
		StreamID     uint32 `json:"stream_id"`
		ManageStream bool   `json:"manage_stream"`
		ReadStream   bool   `json:"read_stream"`
		ManageTopics bool   `json:"manage_topics"`
		ReadTopics   bool   `json:"read_topics"`
		PollMessages bool   `json:"poll_messages"`
		SendMessages bool   `json:"send_messages"`
		Topics       []struct {
			TopicID      uint32 `json:"topic_id"`
			ManageTopic  bool   `json:"manage_topic"`
			ReadTopic    bool   `json:"read_topic"`
			PollMessages bool   `json:"poll_messages"`
			SendMessages bool   `json:"send_messages"`
		} `json:"topics"`
	} `json:"streams"`
}

type cliPAT struct {
	Name     string  `json:"name"`
	ExpiryAt *uint64 `json:"expiry_at_us"`
	Token    string  `json:"token"`
}

type cliClient struct {
	ClientID            uint32  `json:"client_id"`
	UserID              *uint32 `json:"user_id"`
	Transport           string  `json:"transport"`
	Address             string  `json:"address"`
	ConsumerGroupsCount uint32  `json:"consumer_groups_count"`
	ConsumerGroups      []struct {
		StreamID uint32 `json:"stream_id"`
		TopicID  uint32 `json:"topic_id"`
		GroupID  uint32 `json:"group_id"`
	} `json:"consumer_groups"`
}

type cliContext struct {
	Name        string `json:"name"`
	Active      bool   `json:"active"`
	Addr        string `json:"addr"`
	Username    string `json:"username"`
	HasPassword bool   `json:"has_password"`
	HasToken    bool   `json:"has_token"`
	Ctl         string `json:"ctl"`
}
