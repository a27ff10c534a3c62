// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"testing"
	"time"

	iggy "github.com/apache/iggy/foreign/go/client"
	"github.com/apache/iggy/foreign/go/client/tcp"
	iggcon "github.com/apache/iggy/foreign/go/contracts"
)

// sdkClient connects the official Iggy Go SDK to s, logged in as root.
func (s *Server) sdkClient(t testing.TB) iggcon.Client {
	t.Helper()
	return s.sdkClientAs(t, "iggy", "iggy")
}

// sdkClientAs connects the official Iggy Go SDK, logged in as user.
func (s *Server) sdkClientAs(t testing.TB, user, password string) iggcon.Client {
	t.Helper()
	c := s.sdkConnect(t)
	if _, err := c.LoginUser(user, password); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}

// sdkConnect connects the official Iggy Go SDK without logging in.
func (s *Server) sdkConnect(t testing.TB) iggcon.Client {
	t.Helper()
	c, err := iggy.NewIggyClient(iggy.WithTcp(tcp.WithServerAddress(s.Addr)))
	if err != nil {
		t.Fatalf("connect sdk client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func id[T uint32 | string](t testing.TB, v T) iggcon.Identifier {
	t.Helper()
	i, err := iggcon.NewIdentifier(v)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestSDKSendAndPoll(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	c := s.sdkClient(t)
	stream, err := c.CreateStream("orders")
	if err != nil {
		t.Fatal(err)
	}
	topic, err := c.CreateTopic(id(t, stream.Id), "events", 4, iggcon.CompressionAlgorithmNone, iggcon.Duration(0), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if topic.PartitionsCount != 4 {
		t.Fatalf("topic %+v", topic)
	}
	for p := uint32(0); p < 4; p++ {
		var msgs []iggcon.IggyMessage
		for i := 0; i < 10; i++ {
			m, _ := iggcon.NewIggyMessage([]byte("hello"))
			msgs = append(msgs, m)
		}
		if err := c.SendMessages(id(t, "orders"), id(t, "events"), iggcon.PartitionId(p), msgs); err != nil {
			t.Fatalf("send to partition %d: %v", p, err)
		}
	}
	for p := uint32(0); p < 4; p++ {
		pid := p
		polled, err := c.PollMessages(id(t, "orders"), id(t, "events"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 100, false, &pid)
		if err != nil {
			t.Fatalf("poll partition %d: %v", p, err)
		}
		if len(polled.Messages) != 10 || polled.CurrentOffset != 9 {
			t.Fatalf("partition %d: %d messages, current %d", p, len(polled.Messages), polled.CurrentOffset)
		}
	}
	details, err := c.GetTopic(id(t, "orders"), id(t, "events"))
	if err != nil {
		t.Fatal(err)
	}
	if details.MessagesCount != 40 {
		t.Fatalf("topic messages %d", details.MessagesCount)
	}
	_ = time.Second
}
