// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"testing"
)

func TestGroupInfoBytes(t *testing.T) {
	g := &GroupInfo{ID: 1, PartitionsCount: 3, MembersCount: 0, Name: "workers"}
	checkResponseCodec(t, g, new(GroupInfo), "01000000 03000000 00000000 07 776F726B657273")
	l := GroupList{*g}
	checkResponseCodec(t, &l, new(GroupList), "01000000 03000000 00000000 07 776F726B657273")
}

func TestGroupDetailsListsMembersAndPartitions(t *testing.T) {
	d := &GroupDetails{
		Group:   GroupInfo{ID: 1, PartitionsCount: 3, MembersCount: 2, Name: "g"},
		Members: []Member{{ID: 0, Partitions: []uint32{0, 2}}, {ID: 1, Partitions: []uint32{1}}},
	}
	checkResponseCodec(t, d, new(GroupDetails), `
		01000000 03000000 02000000 01 67   # group 1, 3 partitions, 2 members, "g"
		00000000 02000000 00000000 02000000 # member 0: partitions 0, 2
		01000000 01000000 01000000          # member 1: partition 1`)
	if err := new(GroupDetails).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty (not found): %v", err)
	}
	// A member claiming more partitions than the payload holds.
	wantStatus(t, new(GroupDetails).Decode(unhex(t, "01000000 03000000 01000000 01 67 00000000 FFFFFFFF")),
		StatusInvalidCommand)
}
