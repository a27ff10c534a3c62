// SPDX-License-Identifier: Apache-2.0

package protocol

import "strconv"

// GroupInfoFixedSize is the size of a GroupInfo without its name bytes.
const GroupInfoFixedSize = 13

// GroupInfo is a consumer-group header (protocol doc §3.3.4): an element of
// GetConsumerGroups, the CreateConsumerGroup response (members_count 0) and
// the head of GetConsumerGroup.
//
//	off 0 id u32  4 partitions_count u32  8 members_count u32  12 name Name
type GroupInfo struct {
	ID              uint32
	PartitionsCount uint32
	MembersCount    uint32
	Name            string
}

// Size returns the encoded size, 13 + len(Name).
func (g *GroupInfo) Size() int { return GroupInfoFixedSize + len(g.Name) }

// AppendTo appends the encoding of g.
func (g *GroupInfo) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, g.ID)
	dst = appendU32(dst, g.PartitionsCount)
	dst = appendU32(dst, g.MembersCount)
	return appendName(dst, g.Name)
}

// Decode reads one GroupInfo (the CreateConsumerGroup response); an empty
// payload is ErrEmpty.
func (g *GroupInfo) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	*g = r.groupInfo()
	return r.Finish()
}

func (r *Reader) groupInfo() GroupInfo {
	var g GroupInfo
	g.ID = r.U32()
	g.PartitionsCount = r.U32()
	g.MembersCount = r.U32()
	g.Name = r.Name()
	return g
}

// GroupList is the GetConsumerGroups response: GroupInfo × N. An empty
// payload is an empty list (also sent for an unknown stream or topic).
type GroupList []GroupInfo

// AppendTo appends the concatenated encodings.
func (l GroupList) AppendTo(dst []byte) []byte {
	for i := range l {
		dst = l[i].AppendTo(dst)
	}
	return dst
}

// Decode reads GroupInfo records to the end of the payload.
func (l *GroupList) Decode(payload []byte) error {
	r := NewReader(payload)
	out := make(GroupList, 0, r.capacity(uint64(len(payload)), GroupInfoFixedSize+1))
	for r.Remaining() > 0 && !r.Failed() {
		out = append(out, r.groupInfo())
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*l = out
	return nil
}

// Member is one member of a consumer group:
// [member_id u32][partitions_count u32][partition_id u32 × count]. The ID is
// a server-internal sequential number, not the client ID. AppendTo writes
// len(Partitions) as the count.
type Member struct {
	ID         uint32
	Partitions []uint32
}

// Size returns the encoded size, 8 + 4 × partitions.
func (m *Member) Size() int { return 8 + 4*len(m.Partitions) }

// AppendTo appends the encoding of m.
func (m *Member) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, m.ID)
	dst = appendU32(dst, uint32(len(m.Partitions)))
	for _, p := range m.Partitions {
		dst = appendU32(dst, p)
	}
	return dst
}

func (r *Reader) member() Member {
	var m Member
	m.ID = r.U32()
	n := r.U32()
	if r.Failed() {
		return Member{}
	}
	if uint64(n)*4 > uint64(r.Remaining()) {
		r.Fail(StatusInvalidCommand, "member partitions_count "+strconv.FormatUint(uint64(n), 10)+" beyond payload")
		return Member{}
	}
	m.Partitions = make([]uint32, n)
	for i := range m.Partitions {
		m.Partitions[i] = r.U32()
	}
	return m
}

// GroupDetails is the GetConsumerGroup response: the group header followed
// by its members. AppendTo writes len(Members) as members_count; Decode
// reads members to the end of the payload and rejects a count mismatch with
// StatusInvalidFormat.
type GroupDetails struct {
	Group   GroupInfo
	Members []Member
}

// AppendTo appends the encoding of d.
func (d *GroupDetails) AppendTo(dst []byte) []byte {
	g := d.Group
	g.MembersCount = uint32(len(d.Members))
	dst = g.AppendTo(dst)
	for i := range d.Members {
		dst = d.Members[i].AppendTo(dst)
	}
	return dst
}

// Decode reads a GetConsumerGroup response; an empty payload (group not
// found) is ErrEmpty.
func (d *GroupDetails) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	g := r.groupInfo()
	members := make([]Member, 0, r.capacity(uint64(g.MembersCount), 8))
	for r.Remaining() > 0 && !r.Failed() {
		members = append(members, r.member())
	}
	if !r.Failed() && uint64(len(members)) != uint64(g.MembersCount) {
		r.Fail(StatusInvalidFormat, "members_count "+strconv.FormatUint(uint64(g.MembersCount), 10)+
			", decoded "+strconv.Itoa(len(members)))
	}
	if err := r.Finish(); err != nil {
		return err
	}
	d.Group, d.Members = g, members
	return nil
}
