// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"riffle/internal/protocol/internal/statusgen"
)

func TestStatusGenIsUpToDate(t *testing.T) {
	tsv, err := os.ReadFile("status.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := statusgen.Render(tsv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("status_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("status_gen.go is stale: run go generate ./internal/protocol")
	}
}

func TestStatusTableHoldsEveryIggyCode(t *testing.T) {
	all := Statuses()
	// 223 IggyError variants at server-0.8.0, plus OK.
	if len(all) != 224 {
		t.Fatalf("Statuses() has %d entries, want 224", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] {
			t.Fatalf("Statuses() not increasing at %d: %d then %d", i, all[i-1], all[i])
		}
	}
	for _, tc := range []struct {
		st   Status
		code uint32
		name string
	}{
		{StatusOK, 0, "ok"},
		{StatusError, 1, "error"},
		{StatusInvalidCommand, 3, "invalid_command"},
		{StatusInvalidFormat, 4, "invalid_format"},
		{StatusInvalidIdentifier, 6, "invalid_identifier"},
		{StatusDisconnected, 8, "disconnected"},
		{StatusResourceNotFound, 20, "resource_not_found"},
		{StatusStaleClient, 30, "stale_client"},
		{StatusUnauthenticated, 40, "unauthenticated"},
		{StatusUnauthorized, 41, "unauthorized"},
		{StatusInvalidSizeBytes, 80, "invalid_size_bytes"},
		{StatusInvalidUTF8, 81, "invalid_utf8"},
		{StatusClientNotFound, 100, "client_not_found"},
		{StatusInvalidClientID, 101, "invalid_client_id"},
		{StatusWebSocketError, 400, "web_socket_error"},
		{StatusStreamIDNotFound, 1009, "stream_id_not_found"},
		{StatusTopicFull, 3009, "topic_full"},
		{StatusTopicIDNotFound, 2010, "topic_id_not_found"},
		{StatusPartitionNotFound, 3007, "partition_not_found"},
		{StatusInvalidMessagesCount, 4009, "invalid_messages_count"},
		{StatusTooBigUserHeaders, 4017, "too_big_user_headers"},
		{StatusTooBigMessagePayload, 4022, "too_big_message_payload"},
		{StatusNonZeroOffset, 4031, "non_zero_offset"},
		{StatusNonZeroTimestamp, 4032, "non_zero_timestamp"},
		{StatusMissingIndex, 4033, "missing_index"},
		{StatusInvalidMessagesSize, 4036, "invalid_messages_size"},
		{StatusTooSmallMessage, 4037, "too_small_message"},
		{StatusProducerSendFailed, 4056, "producer_send_failed"},
		{StatusInvalidOffset, 4100, "invalid_offset"},
		{StatusConsumerGroupMemberNotFound, 5006, "consumer_group_member_not_found"},
		{StatusCannotReadIndexPosition, 10011, "cannot_read_index_position"},
		{StatusShardCommunicationError, 11001, "shard_communication_error"},
		{StatusIOError, 13000, "io_error"},
	} {
		if uint32(tc.st) != tc.code || tc.st.Name() != tc.name || !tc.st.Known() {
			t.Errorf("status %d: name %q known %v, want code %d name %q", tc.st, tc.st.Name(), tc.st.Known(), tc.code, tc.name)
		}
	}
}

func TestStatusErrorReadsNameAndCode(t *testing.T) {
	if got := StatusStreamIDNotFound.Error(); got != "stream_id_not_found (1009)" {
		t.Fatalf("Error() = %q", got)
	}
	if got := Status(12345).Error(); got != "unknown_status (12345)" {
		t.Fatalf("unknown Error() = %q", got)
	}
	if Status(12345).Known() || Status(17).Known() {
		t.Fatal("codes 12345 and 17 must be unknown")
	}
	if got := StatusStreamIDNotFound.Message(); got != "stream ID not found" {
		t.Fatalf("Message() = %q", got)
	}
}

func TestStatusFromErrorUnwraps(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want Status
	}{
		{"nil", nil, StatusOK},
		{"bare", StatusUnauthorized, StatusUnauthorized},
		{"wrapped", fmt.Errorf("create stream: %w", StatusStreamNameAlreadyExists), StatusStreamNameAlreadyExists},
		{"decode error", decodeError(StatusInvalidFormat, 3, "empty name"), StatusInvalidFormat},
		{"wrapped decode error", fmt.Errorf("x: %w", decodeError(StatusMissingIndex, 0, "r")), StatusMissingIndex},
		{"other", errors.New("disk on fire"), StatusError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := StatusFromError(tc.err); got != tc.want {
				t.Fatalf("StatusFromError = %v, want %v", got, tc.want)
			}
		})
	}
	if !errors.Is(decodeError(StatusInvalidFormat, 0, "x"), StatusInvalidFormat) {
		t.Fatal("errors.Is does not see through *DecodeError")
	}
}
