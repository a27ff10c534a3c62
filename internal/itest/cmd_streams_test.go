// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"

	"riffle/internal/protocol"
)

// Streams: GetStream (200), GetStreams (201), CreateStream (202),
// DeleteStream (203), UpdateStream (204), PurgeStream (205, raw: the SDK has
// no call for it).

func TestStreamCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)

	// First, while the server is empty: ids start at 0.
	t.Run("ids are 0-based and the lowest free one is reused", func(t *testing.T) {
		covers(t, protocol.CodeCreateStream, protocol.CodeDeleteStream)
		var ids []uint32
		for range 3 {
			st, err := root.CreateStream(uniqueName("ids"))
			must(t, err, "create stream")
			ids = append(ids, st.Id)
		}
		if !slices.Equal(ids, []uint32{0, 1, 2}) {
			t.Fatalf("stream ids %v, want [0 1 2]", ids)
		}
		must(t, root.DeleteStream(id(t, uint32(1))), "delete stream 1")
		again, err := root.CreateStream(uniqueName("ids"))
		must(t, err, "create stream")
		if again.Id != 1 {
			t.Fatalf("new stream got id %d, want the freed 1", again.Id)
		}
		next, err := root.CreateStream(uniqueName("ids"))
		must(t, err, "create stream")
		if next.Id != 3 {
			t.Fatalf("next stream got id %d, want 3", next.Id)
		}
	})

	t.Run("create, get, list, update, delete", func(t *testing.T) {
		covers(t, protocol.CodeCreateStream, protocol.CodeGetStream, protocol.CodeGetStreams,
			protocol.CodeUpdateStream, protocol.CodeDeleteStream)
		name := uniqueName("orders")
		before := uint64(time.Now().UnixMicro())
		created, err := root.CreateStream(name)
		must(t, err, "create stream")
		after := uint64(time.Now().UnixMicro())
		if created.Name != name || created.TopicsCount != 0 || created.MessagesCount != 0 || created.SizeBytes != 0 ||
			created.CreatedAt < before || created.CreatedAt > after {
			t.Fatalf("created %+v, want %q, empty, created in [%d, %d]", created.Stream, name, before, after)
		}
		_, err = root.CreateTopic(id(t, name), "events", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		must(t, root.SendMessages(id(t, name), id(t, "events"), iggcon.PartitionId(1), textMessages(t, "a", "bb")), "send")

		byID, err := root.GetStream(id(t, created.Id))
		must(t, err, "get stream by id")
		byName, err := root.GetStream(id(t, name))
		must(t, err, "get stream by name")
		if byID.Id != created.Id || byID.Name != name || byID.CreatedAt != created.CreatedAt || byID.TopicsCount != 1 ||
			byID.MessagesCount != 2 || byID.SizeBytes != 2*64+3 || len(byID.Topics) != 1 || byID.Topics[0].Name != "events" {
			t.Fatalf("get by id: %+v", byID)
		}
		if byName.Stream != byID.Stream || !slices.Equal(byName.Topics, byID.Topics) {
			t.Fatalf("get by name %+v differs from get by id %+v", byName, byID)
		}
		list, err := root.GetStreams()
		must(t, err, "get streams")
		if i := slices.IndexFunc(list, func(x iggcon.Stream) bool { return x.Id == created.Id }); i < 0 || list[i] != byID.Stream {
			t.Fatalf("list %+v lacks %+v", list, byID.Stream)
		}
		if !slices.IsSortedFunc(list, func(a, b iggcon.Stream) int { return int(a.Id) - int(b.Id) }) {
			t.Fatalf("streams not sorted by id: %+v", list)
		}

		renamed := uniqueName("renamed")
		must(t, root.UpdateStream(id(t, created.Id), renamed), "update stream")
		got, err := root.GetStream(id(t, renamed))
		must(t, err, "get renamed stream")
		if got.Id != created.Id || got.Name != renamed || got.MessagesCount != 2 {
			t.Fatalf("after rename: %+v", got.Stream)
		}
		_, err = root.GetStream(id(t, name))
		wantNotFound(t, err, ierror.ErrStreamIdNotFound)

		must(t, root.DeleteStream(id(t, renamed)), "delete stream")
		_, err = root.GetStream(id(t, created.Id))
		wantNotFound(t, err, ierror.ErrStreamIdNotFound)
		list, err = root.GetStreams()
		must(t, err, "get streams")
		if slices.ContainsFunc(list, func(x iggcon.Stream) bool { return x.Id == created.Id }) {
			t.Fatalf("deleted stream still listed: %+v", list)
		}
		topics, err := root.GetTopics(id(t, created.Id))
		must(t, err, "get topics of a deleted stream")
		if len(topics) != 0 {
			t.Fatalf("deleted stream has topics %+v", topics)
		}
	})

	t.Run("failures", func(t *testing.T) {
		covers(t, protocol.CodeCreateStream, protocol.CodeUpdateStream, protocol.CodeDeleteStream, protocol.CodePurgeStream)
		a, b := uniqueName("dup"), uniqueName("dup")
		_, err := root.CreateStream(a)
		must(t, err, "create stream")
		_, err = root.CreateStream(b)
		must(t, err, "create stream")
		_, err = root.CreateStream(a)
		wantStatus(t, err, protocol.StatusStreamNameAlreadyExists)
		wantStatus(t, root.UpdateStream(id(t, b), a), protocol.StatusStreamNameAlreadyExists)
		// Names are exact: another case is another name.
		_, err = root.CreateStream(strings.ToUpper(a))
		must(t, err, "create stream with the name in upper case")

		missing := id(t, uniqueName("missing"))
		wantStatus(t, root.UpdateStream(missing, uniqueName("x")), protocol.StatusStreamIDNotFound)
		wantStatus(t, root.DeleteStream(missing), protocol.StatusStreamIDNotFound)
		wantStatus(t, root.DeleteStream(id(t, uint32(4000))), protocol.StatusStreamIDNotFound)
		c := s.cmdLogin(t, "iggy", "iggy")
		c.want(&protocol.PurgeStream{Stream: protocol.NamedID("no-such-stream")}, protocol.StatusStreamIDNotFound)
		c.want(&protocol.GetStream{Stream: protocol.NumericID(4000)}, protocol.StatusOK) // empty OK = not found
	})

	t.Run("purge empties every topic and restarts offsets at 0", func(t *testing.T) {
		covers(t, protocol.CodePurgeStream, protocol.CodeGetStream)
		name := uniqueName("purge")
		_, err := root.CreateStream(name)
		must(t, err, "create stream")
		for _, topic := range []string{"a", "b"} {
			_, err := root.CreateTopic(id(t, name), topic, 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
			must(t, err, "create topic")
			for p := uint32(0); p < 2; p++ {
				must(t, root.SendMessages(id(t, name), id(t, topic), iggcon.PartitionId(p), textMessages(t, numbered("old", 3)...)), "send")
			}
		}
		must(t, root.StoreConsumerOffset(iggcon.NewSingleConsumer(id(t, uint32(9))), id(t, name), id(t, "a"), 1, ptrU32(0)), "store offset")

		c := s.cmdLogin(t, "iggy", "iggy")
		c.want(&protocol.PurgeStream{Stream: protocol.NamedID(name)}, protocol.StatusOK)

		st, err := root.GetStream(id(t, name))
		must(t, err, "get stream")
		if st.MessagesCount != 0 || st.SizeBytes != 0 || st.TopicsCount != 2 {
			t.Fatalf("after purge: %+v", st.Stream)
		}
		for _, topic := range []string{"a", "b"} {
			td, err := root.GetTopic(id(t, name), id(t, topic))
			must(t, err, "get topic")
			for _, p := range td.Partitions {
				if p.MessagesCount != 0 || p.CurrentOffset != 0 || p.SizeBytes != 0 {
					t.Fatalf("topic %s partition %d after purge: %+v", topic, p.Id, p)
				}
			}
		}
		off, err := root.GetConsumerOffset(iggcon.NewSingleConsumer(id(t, uint32(9))), id(t, name), id(t, "a"), ptrU32(0))
		must(t, err, "get consumer offset")
		if off != nil {
			t.Fatalf("stored offset survived the purge: %+v", off)
		}
		polled, err := root.PollMessages(id(t, name), id(t, "a"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 10, false, ptrU32(0))
		must(t, err, "poll")
		if len(polled.Messages) != 0 || polled.CurrentOffset != 0 {
			t.Fatalf("poll after purge: %d messages, current %d", len(polled.Messages), polled.CurrentOffset)
		}
		must(t, root.SendMessages(id(t, name), id(t, "a"), iggcon.PartitionId(0), textMessages(t, "new")), "send after purge")
		polled, err = root.PollMessages(id(t, name), id(t, "a"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 10, false, ptrU32(0))
		must(t, err, "poll")
		if len(polled.Messages) != 1 || polled.Messages[0].Header.Offset != 0 || string(polled.Messages[0].Payload) != "new" {
			t.Fatalf("first message after purge: %+v", polled)
		}
	})
}

// wantNotFound checks the SDK's mapping of an empty OK: the error it
// returns for a getter whose target does not exist.
func wantNotFound(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v (the SDK's reading of an empty OK)", err, want)
	}
}
