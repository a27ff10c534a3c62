// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"

	"riffle/internal/protocol"
)

// The commands of the permission matrix, in the order each user runs them:
// reads first, then what creates, then what renames, purges and deletes, so
// a command that was allowed does not take away a later cell's target.

func enc(r protocol.Request) []byte { return r.AppendTo(nil) }

// Probes, run as root (or, for tokens, as the user: only the owner sees them).

func probeStream(e *matrixEnv, tg target, _ bool) string {
	d, ok := e.root.stream(tg.stream)
	return fmt.Sprintf("exists=%v name=%s messages=%d", ok, d.Stream.Name, d.Stream.MessagesCount)
}

func probeTopic(e *matrixEnv, tg target, _ bool) string {
	d, ok := e.root.topic(tg.stream, tg.topic)
	msgs := make([]uint64, len(d.Partitions))
	for i, p := range d.Partitions {
		msgs[i] = p.MessagesCount
	}
	return fmt.Sprintf("exists=%v name=%s partitions=%d messages=%d per-partition=%v", ok, d.Topic.Name, d.Topic.PartitionsCount, d.Topic.MessagesCount, msgs)
}

func probeGroup(name string) func(e *matrixEnv, tg target, _ bool) string {
	return func(e *matrixEnv, tg target, _ bool) string {
		d, ok := e.root.group(tg.stream, tg.topic, protocol.NamedID(name))
		return fmt.Sprintf("exists=%v members=%d", ok, d.Group.MembersCount)
	}
}

func probeOffset(e *matrixEnv, tg target, _ bool) string {
	body := e.root.ok(&protocol.GetConsumerOffset{Consumer: protocol.SingleConsumer(num(uint32(e.n))), Stream: tg.stream, Topic: tg.topic, Partition: protocol.SomePartition(tg.partition)})
	return fmt.Sprintf("%x", body)
}

func probeUser(e *matrixEnv, tg target, _ bool) string {
	d, ok := e.root.user(tg.user)
	perms := ""
	if d.Permissions != nil {
		perms = fmt.Sprintf("%x", d.Permissions.AppendTo(nil))
	}
	return fmt.Sprintf("exists=%v name=%s status=%d perms=%s", ok, d.User.Username, d.User.Status, perms)
}

func probePATs(e *matrixEnv, _ target, _ bool) string {
	var l protocol.PersonalAccessTokenList
	if err := l.Decode(e.conn.ok(&protocol.GetPersonalAccessTokens{})); err != nil {
		e.t.Fatalf("decode tokens: %v", err)
	}
	return fmt.Sprint(l)
}

// newPassword is the password a ChangePassword cell sets.
func newPassword(e *matrixEnv) string { return fmt.Sprintf("pw-changed-%d", e.n) }

func matrixCmds() []matrixCmd {
	none := (*matrixEnv).noTarget
	streams := (*matrixEnv).streamTargets
	topics := (*matrixEnv).topicTargets
	groups := (*matrixEnv).groupTargets
	partitions := (*matrixEnv).partitionTargets
	empty := func(code protocol.Code) func(*matrixEnv, target) []byte {
		return func(*matrixEnv, target) []byte { r, _ := protocol.NewRequest(code); return enc(r) }
	}
	consumer := func(e *matrixEnv) protocol.Consumer { return protocol.SingleConsumer(num(uint32(e.n))) }
	topicReq := func(r func(s, t protocol.Identifier) protocol.Request) func(*matrixEnv, target) []byte {
		return func(_ *matrixEnv, tg target) []byte { return enc(r(tg.stream, tg.topic)) }
	}
	return []matrixCmd{
		// system
		{code: protocol.CodePing, targets: none, payload: empty(protocol.CodePing)},
		{code: protocol.CodeGetStats, targets: none, payload: empty(protocol.CodeGetStats), getter: true},
		{code: protocol.CodeGetClusterMetadata, targets: none, payload: empty(protocol.CodeGetClusterMetadata), getter: true},
		{code: protocol.CodeGetSnapshot, targets: none, getter: true, payload: func(*matrixEnv, target) []byte {
			return enc(&protocol.GetSnapshot{Compression: 1, Types: []uint8{4}})
		}},
		{code: protocol.CodeGetMe, targets: none, payload: empty(protocol.CodeGetMe), getter: true},
		{code: protocol.CodeGetClient, getter: true, targets: func(e *matrixEnv) []target {
			return []target{
				{name: "own", client: e.clientID, sid: noGrant, tid: noGrant},
				{name: "missing", client: 0x7FFF_FFF0, sid: noGrant, tid: noGrant, miss: missClient},
			}
		}, payload: func(_ *matrixEnv, tg target) []byte { return enc(&protocol.GetClient{ClientID: tg.client}) }},
		{code: protocol.CodeGetClients, targets: none, payload: empty(protocol.CodeGetClients), getter: true},

		// users (reads) and the user's own tokens
		{code: protocol.CodeGetUsers, targets: none, payload: empty(protocol.CodeGetUsers), getter: true},
		{code: protocol.CodeGetUser, targets: userTargets(true), getter: true, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.GetUser{User: tg.user})
		}},
		{code: protocol.CodeGetPersonalAccessTokens, targets: none, payload: empty(protocol.CodeGetPersonalAccessTokens), getter: true, anyBody: true},
		{code: protocol.CodeCreatePersonalAccessToken, targets: none, probe: probePATs, payload: func(*matrixEnv, target) []byte {
			return enc(&protocol.CreatePersonalAccessToken{Name: "pat-keep"})
		}},
		{code: protocol.CodeDeletePersonalAccessToken, probe: probePATs, targets: func(*matrixEnv) []target {
			return []target{
				{name: "own", pat: "pat-keep", sid: noGrant, tid: noGrant},
				{name: "missing", pat: "no-such-token", sid: noGrant, tid: noGrant, miss: missPAT},
			}
		}, payload: func(_ *matrixEnv, tg target) []byte { return enc(&protocol.DeletePersonalAccessToken{Name: tg.pat}) }},

		// stream, topic and group reads
		{code: protocol.CodeGetStreams, targets: none, payload: empty(protocol.CodeGetStreams), getter: true},
		{code: protocol.CodeGetStream, targets: streams, getter: true, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.GetStream{Stream: tg.stream})
		}},
		{code: protocol.CodeGetTopics, targets: streams, getter: true, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.GetTopics{Stream: tg.stream})
		}},
		{code: protocol.CodeGetTopic, targets: topics, getter: true, payload: topicReq(func(s, t protocol.Identifier) protocol.Request {
			return &protocol.GetTopic{Stream: s, Topic: t}
		})},
		{code: protocol.CodeGetConsumerGroups, targets: topics, getter: true, payload: topicReq(func(s, t protocol.Identifier) protocol.Request {
			return &protocol.GetConsumerGroups{Stream: s, Topic: t}
		})},
		{code: protocol.CodeGetConsumerGroup, targets: groups, getter: true, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.GetConsumerGroup{Stream: tg.stream, Topic: tg.topic, Group: groupID(tg, "g")})
		}},

		// messages and offsets
		{code: protocol.CodeSendMessages, targets: partitions, probe: probeTopic, payload: func(_ *matrixEnv, tg target) []byte {
			return protocol.AppendSendMessages(nil, tg.stream, tg.topic, protocol.PartitionByID(tg.partition), []protocol.Message{{Payload: []byte("cell")}})
		}},
		{code: protocol.CodePollMessages, targets: partitions, payload: func(e *matrixEnv, tg target) []byte {
			return enc(&protocol.PollMessages{Consumer: consumer(e), Stream: tg.stream, Topic: tg.topic, Partition: protocol.SomePartition(tg.partition),
				Strategy: protocol.PollingStrategy{Kind: protocol.PollOffset}, Count: 1})
		}},
		{code: protocol.CodeFlushUnsavedBuffer, targets: partitions, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.FlushUnsavedBuffer{Stream: tg.stream, Topic: tg.topic, PartitionID: tg.partition, Fsync: true})
		}},
		{code: protocol.CodeGetConsumerOffset, targets: partitions, getter: true, anyBody: true, payload: func(e *matrixEnv, tg target) []byte {
			return enc(&protocol.GetConsumerOffset{Consumer: consumer(e), Stream: tg.stream, Topic: tg.topic, Partition: protocol.SomePartition(tg.partition)})
		}},
		{code: protocol.CodeStoreConsumerOffset, targets: partitions, probe: probeOffset, payload: func(e *matrixEnv, tg target) []byte {
			return enc(&protocol.StoreConsumerOffset{Consumer: consumer(e), Stream: tg.stream, Topic: tg.topic, Partition: protocol.SomePartition(tg.partition)})
		}},
		{code: protocol.CodeDeleteConsumerOffset, targets: partitions, probe: probeOffset,
			setup: func(e *matrixEnv, tg target) {
				e.root.ok(&protocol.StoreConsumerOffset{Consumer: consumer(e), Stream: tg.stream, Topic: tg.topic, Partition: protocol.SomePartition(tg.partition)})
			},
			payload: func(e *matrixEnv, tg target) []byte {
				return enc(&protocol.DeleteConsumerOffset{Consumer: consumer(e), Stream: tg.stream, Topic: tg.topic, Partition: protocol.SomePartition(tg.partition)})
			}},

		// creations and memberships
		{code: protocol.CodeCreateStream, targets: none,
			probe: func(e *matrixEnv, _ target, _ bool) string {
				_, ok := e.root.stream(protocol.NamedID(fmt.Sprintf("%s-cs%d", e.user, e.n)))
				return fmt.Sprint(ok)
			},
			payload: func(e *matrixEnv, _ target) []byte {
				return enc(&protocol.CreateStream{Name: fmt.Sprintf("%s-cs%d", e.user, e.n)})
			}},
		{code: protocol.CodeCreateTopic, targets: streams,
			probe: func(e *matrixEnv, tg target, _ bool) string {
				_, ok := e.root.topic(tg.stream, protocol.NamedID(fmt.Sprintf("ct%d", e.n)))
				return fmt.Sprint(ok)
			},
			payload: func(e *matrixEnv, tg target) []byte {
				return enc(&protocol.CreateTopic{Stream: tg.stream, PartitionsCount: 1, CompressionAlgorithm: protocol.CompressionNone, Name: fmt.Sprintf("ct%d", e.n)})
			}},
		{code: protocol.CodeCreateConsumerGroup, targets: topics,
			probe: func(e *matrixEnv, tg target, after bool) string {
				return probeGroup(fmt.Sprintf("cg%d", e.n))(e, tg, after)
			},
			payload: func(e *matrixEnv, tg target) []byte {
				return enc(&protocol.CreateConsumerGroup{Stream: tg.stream, Topic: tg.topic, Name: fmt.Sprintf("cg%d", e.n)})
			}},
		{code: protocol.CodeJoinConsumerGroup, targets: groups, probe: probeGroup("g"), payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.JoinConsumerGroup{Stream: tg.stream, Topic: tg.topic, Group: groupID(tg, "g")})
		}},
		{code: protocol.CodeLeaveConsumerGroup, targets: groups, probe: probeGroup("g"), payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.LeaveConsumerGroup{Stream: tg.stream, Topic: tg.topic, Group: groupID(tg, "g")})
		}},
		{code: protocol.CodeCreatePartitions, targets: topics, probe: probeTopic, payload: topicReq(func(s, t protocol.Identifier) protocol.Request {
			return &protocol.CreatePartitions{Stream: s, Topic: t, PartitionsCount: 1}
		})},
		{code: protocol.CodeDeleteSegments, targets: partitions, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.DeleteSegments{Stream: tg.stream, Topic: tg.topic, PartitionID: tg.partition, SegmentsCount: 1})
		}},

		// renames, purges, deletions
		{code: protocol.CodeUpdateTopic, targets: topics, probe: probeTopic, payload: func(e *matrixEnv, tg target) []byte {
			return enc(&protocol.UpdateTopic{Stream: tg.stream, Topic: tg.topic, CompressionAlgorithm: protocol.CompressionNone, Name: fmt.Sprintf("ut%d", e.n)})
		}},
		{code: protocol.CodeUpdateStream, targets: streams, probe: probeStream, payload: func(e *matrixEnv, tg target) []byte {
			return enc(&protocol.UpdateStream{Stream: tg.stream, Name: fmt.Sprintf("%s-us%d", e.user, e.n)})
		}},
		{code: protocol.CodePurgeTopic, targets: topics, probe: probeTopic,
			setup: func(e *matrixEnv, tg target) {
				if st := e.root.send(tg.stream, tg.topic, 0, "before purge"); st != protocol.StatusOK {
					e.t.Fatalf("send before purge: %v", st)
				}
			},
			payload: topicReq(func(s, t protocol.Identifier) protocol.Request { return &protocol.PurgeTopic{Stream: s, Topic: t} })},
		{code: protocol.CodePurgeStream, targets: streams, probe: probeStream,
			setup: func(e *matrixEnv, tg target) {
				x := e.ax
				if tg.sid == e.b {
					x = e.bx
				}
				if st := e.root.send(tg.stream, num(x), 0, "before purge"); st != protocol.StatusOK {
					e.t.Fatalf("send before purge: %v", st)
				}
			},
			payload: func(_ *matrixEnv, tg target) []byte { return enc(&protocol.PurgeStream{Stream: tg.stream}) }},
		{code: protocol.CodeDeletePartitions, targets: topics, probe: probeTopic, payload: topicReq(func(s, t protocol.Identifier) protocol.Request {
			return &protocol.DeletePartitions{Stream: s, Topic: t, PartitionsCount: 1}
		})},
		{code: protocol.CodeDeleteConsumerGroup, targets: groups, probe: probeGroup("d"), payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.DeleteConsumerGroup{Stream: tg.stream, Topic: tg.topic, Group: groupID(tg, "d")})
		}},
		{code: protocol.CodeDeleteTopic, targets: topics, probe: probeTopic, payload: topicReq(func(s, t protocol.Identifier) protocol.Request {
			return &protocol.DeleteTopic{Stream: s, Topic: t}
		})},
		{code: protocol.CodeDeleteStream, targets: streams, probe: probeStream, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.DeleteStream{Stream: tg.stream})
		}},

		// user management
		{code: protocol.CodeCreateUser, targets: none,
			probe: func(e *matrixEnv, _ target, _ bool) string {
				_, ok := e.root.user(protocol.NamedID(fmt.Sprintf("cu-%s-%d", e.user, e.n)))
				return fmt.Sprint(ok)
			},
			payload: func(e *matrixEnv, _ target) []byte {
				return enc(&protocol.CreateUser{Username: fmt.Sprintf("cu-%s-%d", e.user, e.n), Password: "pw-created", Status: protocol.UserActive})
			}},
		{code: protocol.CodeUpdatePermissions, targets: userTargets(false), probe: probeUser, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.UpdatePermissions{User: tg.user, Permissions: &protocol.Permissions{Global: protocol.GlobalPermissions{ReadServers: true}}})
		}},
		// Changing one's own password needs no permission: the credential
		// tests cover it (TestSessionsEndWithTheirCredential, "changed password").
		{code: protocol.CodeChangePassword, targets: userTargets(false),
			// Whether the new password logs in (it cannot before the
			// command). The shared victim is checked once, at the end.
			probe: func(e *matrixEnv, tg target, after bool) string {
				if !after || e.shared {
					return protocol.StatusInvalidCredentials.Name()
				}
				return e.s.secDial(e.t).login(e.victimName, newPassword(e)).Name()
			},
			done: func(e *matrixEnv, _ target) { e.victimPass = newPassword(e) },
			payload: func(e *matrixEnv, tg target) []byte {
				return enc(&protocol.ChangePassword{User: tg.user, CurrentPassword: e.victimPass, NewPassword: newPassword(e)})
			}},
		{code: protocol.CodeUpdateUser, targets: userTargets(false), probe: probeUser, payload: func(e *matrixEnv, tg target) []byte {
			return enc(&protocol.UpdateUser{User: tg.user, Username: fmt.Sprintf("victim-%s-%d", e.user, e.n)})
		}},
		{code: protocol.CodeDeleteUser, targets: userTargets(false), probe: probeUser, payload: func(_ *matrixEnv, tg target) []byte {
			return enc(&protocol.DeleteUser{User: tg.user})
		}},
	}
}
