// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"riffle/internal/metadata"
)

// cmdGen draws random metadata commands over small name pools, so that many
// succeed and many collide (duplicates, missing ids, denied actors).
type cmdGen struct {
	r *rand.Rand
}

func (g cmdGen) name(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, g.r.IntN(n)) }

func (g cmdGen) id(n int) metadata.Identifier {
	if g.r.IntN(2) == 0 {
		return metadata.NumericID(uint32(g.r.IntN(n)))
	}
	return metadata.NamedID(fmt.Sprintf("%d", g.r.IntN(n)))
}

func (g cmdGen) stream() metadata.Identifier {
	if g.r.IntN(2) == 0 {
		return metadata.NumericID(uint32(g.r.IntN(3)))
	}
	return metadata.NamedID(g.name("s", 3))
}

func (g cmdGen) topic() metadata.Identifier {
	if g.r.IntN(2) == 0 {
		return metadata.NumericID(uint32(g.r.IntN(2)))
	}
	return metadata.NamedID(g.name("t", 2))
}

func (g cmdGen) group() metadata.Identifier {
	if g.r.IntN(2) == 0 {
		return metadata.NumericID(uint32(g.r.IntN(2)))
	}
	return metadata.NamedID(g.name("g", 2))
}

func (g cmdGen) user() metadata.Identifier {
	if g.r.IntN(2) == 0 {
		return metadata.NumericID(uint32(g.r.IntN(4)))
	}
	return metadata.NamedID(g.name("user", 4))
}

func (g cmdGen) perms() *metadata.Permissions {
	if g.r.IntN(3) == 0 {
		return nil
	}
	p := &metadata.Permissions{Global: metadata.GlobalPermissions{ReadStreams: g.r.IntN(2) == 0, PollMessages: g.r.IntN(2) == 0}}
	for range g.r.IntN(3) {
		p.Streams = append(p.Streams, metadata.StreamPermissions{StreamID: uint32(g.r.IntN(4)), ManageStream: g.r.IntN(2) == 0,
			Topics: []metadata.TopicPermissions{{TopicID: uint32(g.r.IntN(4)), SendMessages: true}}})
	}
	return p
}

// next returns an actor and a command.
func (g cmdGen) next() (uint32, metadata.Command) {
	actor := uint32(0)
	if g.r.IntN(6) == 0 {
		actor = uint32(g.r.IntN(4))
	}
	u32 := func(n int) uint32 { return uint32(g.r.IntN(n)) }
	k := g.r.IntN(40)
	switch {
	case k >= 37:
		k = 14 // join
	case k >= 34:
		k = 12 // create group
	case k >= 32:
		k = 5 // create topic
	case k >= 30:
		k = 27 + k%2 // polled, committed
	case k == 3 && g.r.IntN(4) != 0:
		k = 0 // delete stream rarely
	}
	switch k {
	case 0, 1:
		return actor, metadata.CreateStream{Name: g.name("s", 3)}
	case 2:
		return actor, metadata.UpdateStream{Stream: g.stream(), Name: g.name("s", 5)}
	case 3:
		return actor, metadata.DeleteStream{Stream: g.stream()}
	case 4:
		return actor, metadata.PurgeStream{Stream: g.stream()}
	case 5, 6:
		return actor, metadata.CreateTopic{Stream: g.stream(), PartitionsCount: u32(5), Compression: 1 + uint8(g.r.IntN(2)),
			MessageExpiry: uint64(g.r.IntN(3)) * 1000, Name: g.name("t", 2)}
	case 7:
		return actor, metadata.UpdateTopic{Stream: g.stream(), Topic: g.topic(), Compression: 1, MaxTopicSize: metadata.Never, Name: g.name("t", 5)}
	case 8:
		return actor, metadata.DeleteTopic{Stream: g.stream(), Topic: g.topic()}
	case 9:
		return actor, metadata.PurgeTopic{Stream: g.stream(), Topic: g.topic()}
	case 10:
		return actor, metadata.CreatePartitions{Stream: g.stream(), Topic: g.topic(), Count: 1 + u32(3)}
	case 11:
		return actor, metadata.DeletePartitions{Stream: g.stream(), Topic: g.topic(), Count: 1 + u32(2)}
	case 12:
		return actor, metadata.CreateConsumerGroup{Stream: g.stream(), Topic: g.topic(), Name: g.name("g", 2)}
	case 13:
		return actor, metadata.DeleteConsumerGroup{Stream: g.stream(), Topic: g.topic(), Group: g.group()}
	case 14, 15, 16:
		return actor, metadata.JoinConsumerGroup{Stream: g.stream(), Topic: g.topic(), Group: g.group(), ClientID: 1 + u32(5), Shard: u32(3)}
	case 17:
		return actor, metadata.LeaveConsumerGroup{Stream: g.stream(), Topic: g.topic(), Group: g.group(), ClientID: 1 + u32(5)}
	case 18:
		return 0, metadata.ClientGone{ClientID: 1 + u32(5)}
	case 19:
		return 0, metadata.ShardFailed{Shard: u32(3)}
	case 20:
		return actor, metadata.CreateUser{Username: g.name("user", 4), Password: "password", Status: 1 + uint8(g.r.IntN(2)), Permissions: g.perms()}
	case 21:
		return actor, metadata.UpdateUser{User: g.user(), Username: ptr(g.name("user", 5))}
	case 22:
		return actor, metadata.DeleteUser{User: g.user()}
	case 23:
		return actor, metadata.UpdatePermissions{User: g.user(), Permissions: g.perms()}
	case 24:
		return actor, metadata.ChangePassword{User: g.user(), CurrentPassword: "password", NewPassword: "password"}
	case 25:
		return actor, metadata.CreatePersonalAccessToken{Name: g.name("pat", 3), Expiry: uint64(g.r.IntN(2)) * 1000}
	case 26:
		return actor, metadata.DeletePersonalAccessToken{Name: g.name("pat", 3)}
	case 27:
		return 0, metadata.GroupPolled{Stream: u32(3), Topic: u32(2), Group: u32(2), Partition: u32(4), Offset: uint64(g.r.IntN(50))}
	case 28:
		return 0, metadata.GroupCommitted{Stream: u32(3), Topic: u32(2), Group: u32(2), Partition: u32(4), Offset: uint64(g.r.IntN(50))}
	default:
		if g.r.IntN(2) == 0 {
			return 0, metadata.ReassignPartitions{ShardCount: 1 + u32(3)}
		}
		return 0, metadata.ExpireRevocations{Timeout: 1_000_000}
	}
}

// run prepares n random commands against st and hands every non-empty entry
// to commit (which must apply it to st). It returns the entries.
func (g cmdGen) run(t testing.TB, st *metadata.State, n int, commit func(metadata.Entry)) []metadata.Entry {
	t.Helper()
	env := testEnv()
	env.ShardCount = 3
	var out []metadata.Entry
	for range n {
		env.Now += uint64(g.r.IntN(2_000_000))
		actor, cmd := g.next()
		e, _, err := metadata.Prepare(st, actor, cmd, env)
		if err != nil {
			if _, ok := metadata.StatusOf(err); !ok {
				t.Fatalf("Prepare(%T %+v): internal error %v", cmd, cmd, err)
			}
			continue
		}
		if e.Empty() {
			continue
		}
		commit(e)
		if st.Version() != e.Version {
			t.Fatalf("commit of %T did not apply it", cmd)
		}
		out = append(out, e)
	}
	return out
}
