// SPDX-License-Identifier: Apache-2.0

package main

import (
	"sort"
	"strings"

	"riffle/internal/protocol"
)

// Permission names, long and short, as Iggy's CLI spells them.

// globalPermNames maps a name to the flag it sets.
var globalPermNames = map[string]func(*protocol.GlobalPermissions){
	"manage_servers": func(g *protocol.GlobalPermissions) { g.ManageServers = true },
	"m_srv":          func(g *protocol.GlobalPermissions) { g.ManageServers = true },
	"read_servers":   func(g *protocol.GlobalPermissions) { g.ReadServers = true },
	"r_srv":          func(g *protocol.GlobalPermissions) { g.ReadServers = true },
	"manage_users":   func(g *protocol.GlobalPermissions) { g.ManageUsers = true },
	"m_usr":          func(g *protocol.GlobalPermissions) { g.ManageUsers = true },
	"read_users":     func(g *protocol.GlobalPermissions) { g.ReadUsers = true },
	"r_usr":          func(g *protocol.GlobalPermissions) { g.ReadUsers = true },
	"manage_streams": func(g *protocol.GlobalPermissions) { g.ManageStreams = true },
	"m_str":          func(g *protocol.GlobalPermissions) { g.ManageStreams = true },
	"read_streams":   func(g *protocol.GlobalPermissions) { g.ReadStreams = true },
	"r_str":          func(g *protocol.GlobalPermissions) { g.ReadStreams = true },
	"manage_topics":  func(g *protocol.GlobalPermissions) { g.ManageTopics = true },
	"m_top":          func(g *protocol.GlobalPermissions) { g.ManageTopics = true },
	"read_topics":    func(g *protocol.GlobalPermissions) { g.ReadTopics = true },
	"r_top":          func(g *protocol.GlobalPermissions) { g.ReadTopics = true },
	"poll_messages":  func(g *protocol.GlobalPermissions) { g.PollMessages = true },
	"p_msg":          func(g *protocol.GlobalPermissions) { g.PollMessages = true },
	"send_messages":  func(g *protocol.GlobalPermissions) { g.SendMessages = true },
	"s_msg":          func(g *protocol.GlobalPermissions) { g.SendMessages = true },
}

var streamPermNames = map[string]func(*protocol.StreamPermissions){
	"manage_stream": func(s *protocol.StreamPermissions) { s.ManageStream = true },
	"m_str":         func(s *protocol.StreamPermissions) { s.ManageStream = true },
	"read_stream":   func(s *protocol.StreamPermissions) { s.ReadStream = true },
	"r_str":         func(s *protocol.StreamPermissions) { s.ReadStream = true },
	"manage_topics": func(s *protocol.StreamPermissions) { s.ManageTopics = true },
	"m_top":         func(s *protocol.StreamPermissions) { s.ManageTopics = true },
	"read_topics":   func(s *protocol.StreamPermissions) { s.ReadTopics = true },
	"r_top":         func(s *protocol.StreamPermissions) { s.ReadTopics = true },
	"poll_messages": func(s *protocol.StreamPermissions) { s.PollMessages = true },
	"p_msg":         func(s *protocol.StreamPermissions) { s.PollMessages = true },
	"send_messages": func(s *protocol.StreamPermissions) { s.SendMessages = true },
	"s_msg":         func(s *protocol.StreamPermissions) { s.SendMessages = true },
}

var topicPermNames = map[string]func(*protocol.TopicPermissions){
	"manage_topic":  func(t *protocol.TopicPermissions) { t.ManageTopic = true },
	"m_top":         func(t *protocol.TopicPermissions) { t.ManageTopic = true },
	"read_topic":    func(t *protocol.TopicPermissions) { t.ReadTopic = true },
	"r_top":         func(t *protocol.TopicPermissions) { t.ReadTopic = true },
	"poll_messages": func(t *protocol.TopicPermissions) { t.PollMessages = true },
	"p_msg":         func(t *protocol.TopicPermissions) { t.PollMessages = true },
	"send_messages": func(t *protocol.TopicPermissions) { t.SendMessages = true },
	"s_msg":         func(t *protocol.TopicPermissions) { t.SendMessages = true },
}

// setNames applies a comma-separated list of names with the setters in names.
func setNames[T any](what, list string, names map[string]func(*T), v *T) error {
	for _, n := range strings.Split(list, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		set, ok := names[n]
		if !ok {
			known := make([]string, 0, len(names))
			for k := range names {
				known = append(known, k)
			}
			sort.Strings(known)
			return usageErrorf("%s permission %q: want one of %s", what, n, strings.Join(known, ", "))
		}
		set(v)
	}
	return nil
}

// parsePermissions builds a permission set from the --global-permissions list
// and the --stream-permissions specs
// STREAM_ID[:PERMS][#TOPIC_ID[:PERMS]]… (IDs numeric, as on the wire). It
// returns nil when both are empty.
func parsePermissions(global string, streams []string) (*protocol.Permissions, error) {
	if global == "" && len(streams) == 0 {
		return nil, nil
	}
	p := &protocol.Permissions{}
	if err := setNames("global", global, globalPermNames, &p.Global); err != nil {
		return nil, err
	}
	for _, spec := range streams {
		parts := strings.Split(spec, "#")
		id, list, _ := strings.Cut(parts[0], ":")
		sid, err := parseU32("stream permissions: stream ID", id)
		if err != nil {
			return nil, err
		}
		sp := protocol.StreamPermissions{StreamID: sid}
		if err := setNames("stream", list, streamPermNames, &sp); err != nil {
			return nil, err
		}
		for _, tspec := range parts[1:] {
			tid, tlist, _ := strings.Cut(tspec, ":")
			n, err := parseU32("stream permissions: topic ID", tid)
			if err != nil {
				return nil, err
			}
			tp := protocol.TopicPermissions{TopicID: n}
			if err := setNames("topic", tlist, topicPermNames, &tp); err != nil {
				return nil, err
			}
			sp.Topics = append(sp.Topics, tp)
		}
		p.Streams = append(p.Streams, sp)
	}
	return p, nil
}

// permsView is a permission set in JSON.
type permsView struct {
	Global  globalPermsView   `json:"global"`
	Streams []streamPermsView `json:"streams"`
}

type globalPermsView struct {
	ManageServers bool `json:"manage_servers"`
	ReadServers   bool `json:"read_servers"`
	ManageUsers   bool `json:"manage_users"`
	ReadUsers     bool `json:"read_users"`
	ManageStreams bool `json:"manage_streams"`
	ReadStreams   bool `json:"read_streams"`
	ManageTopics  bool `json:"manage_topics"`
	ReadTopics    bool `json:"read_topics"`
	PollMessages  bool `json:"poll_messages"`
	SendMessages  bool `json:"send_messages"`
}

type streamPermsView struct {
	StreamID     uint32           `json:"stream_id"`
	ManageStream bool             `json:"manage_stream"`
	ReadStream   bool             `json:"read_stream"`
	ManageTopics bool             `json:"manage_topics"`
	ReadTopics   bool             `json:"read_topics"`
	PollMessages bool             `json:"poll_messages"`
	SendMessages bool             `json:"send_messages"`
	Topics       []topicPermsView `json:"topics"`
}

type topicPermsView struct {
	TopicID      uint32 `json:"topic_id"`
	ManageTopic  bool   `json:"manage_topic"`
	ReadTopic    bool   `json:"read_topic"`
	PollMessages bool   `json:"poll_messages"`
	SendMessages bool   `json:"send_messages"`
}

func viewPerms(p *protocol.Permissions) *permsView {
	if p == nil {
		return nil
	}
	g := p.Global
	v := &permsView{
		Global:  globalPermsView(g),
		Streams: []streamPermsView{},
	}
	for _, s := range p.Streams {
		sv := streamPermsView{
			StreamID: s.StreamID, ManageStream: s.ManageStream, ReadStream: s.ReadStream,
			ManageTopics: s.ManageTopics, ReadTopics: s.ReadTopics,
			PollMessages: s.PollMessages, SendMessages: s.SendMessages,
			Topics: []topicPermsView{},
		}
		for _, t := range s.Topics {
			sv.Topics = append(sv.Topics, topicPermsView(t))
		}
		v.Streams = append(v.Streams, sv)
	}
	return v
}

// permsLines describes a permission set for people, one line per scope; a
// stream's topic lines follow it.
func permsLines(p *protocol.Permissions) []string {
	if p == nil {
		return []string{"none"}
	}
	on := func(pairs ...any) string {
		var names []string
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i+1].(bool) {
				names = append(names, pairs[i].(string))
			}
		}
		if len(names) == 0 {
			return "-"
		}
		return strings.Join(names, ",")
	}
	g := p.Global
	lines := []string{"global: " + on("manage_servers", g.ManageServers, "read_servers", g.ReadServers,
		"manage_users", g.ManageUsers, "read_users", g.ReadUsers, "manage_streams", g.ManageStreams,
		"read_streams", g.ReadStreams, "manage_topics", g.ManageTopics, "read_topics", g.ReadTopics,
		"poll_messages", g.PollMessages, "send_messages", g.SendMessages)}
	for _, s := range p.Streams {
		lines = append(lines, "stream "+itoa(s.StreamID)+": "+on("manage_stream", s.ManageStream,
			"read_stream", s.ReadStream, "manage_topics", s.ManageTopics, "read_topics", s.ReadTopics,
			"poll_messages", s.PollMessages, "send_messages", s.SendMessages))
		for _, t := range s.Topics {
			lines = append(lines, "topic "+itoa(t.TopicID)+": "+on("manage_topic", t.ManageTopic,
				"read_topic", t.ReadTopic, "poll_messages", t.PollMessages, "send_messages", t.SendMessages))
		}
	}
	return lines
}
