// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// Users (31–37), login and logout (38, 39) and personal access tokens
// (41–44), with the session rule of the project: a session lives as long as
// the credential it logged in with.

// canonPerms puts SDK permissions in the protocol's canonical form (streams
// and topics sorted, empty maps and nil alike), for comparison.
func canonPerms(t testing.TB, p *iggcon.Permissions) *protocol.Permissions {
	t.Helper()
	if p == nil {
		return nil
	}
	b, err := p.MarshalBinary()
	must(t, err, "encode permissions")
	r := protocol.NewReader(b)
	out := r.Permissions()
	must(t, r.Finish(), "decode permissions")
	return &out
}

// userOf returns the details of user u as root sees them.
func userOf(t testing.TB, c iggcon.Client, u iggcon.Identifier) *iggcon.UserInfoDetails {
	t.Helper()
	d, err := c.GetUser(u)
	must(t, err, "get user")
	return d
}

func TestUserCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)

	// First, while root is the only user: ids are 0-based, root is 0.
	t.Run("ids are 0-based and the lowest free one is reused", func(t *testing.T) {
		covers(t, protocol.CodeCreateUser, protocol.CodeDeleteUser, protocol.CodeGetUser)
		if d := userOf(t, root, id(t, "iggy")); d.Id != 0 || d.Username != "iggy" {
			t.Fatalf("root is %+v, want id 0", d.UserInfo)
		}
		var ids []uint32
		for range 3 {
			d, err := root.CreateUser(uniqueName("u"), "secret", iggcon.Active, nil)
			must(t, err, "create user")
			ids = append(ids, d.Id)
		}
		if !slices.Equal(ids, []uint32{1, 2, 3}) {
			t.Fatalf("user ids %v, want [1 2 3]", ids)
		}
		must(t, root.DeleteUser(id(t, uint32(2))), "delete user 2")
		d, err := root.CreateUser(uniqueName("u"), "secret", iggcon.Active, nil)
		must(t, err, "create user")
		if d.Id != 2 {
			t.Fatalf("new user got id %d, want the freed 2", d.Id)
		}
	})

	t.Run("create, get, list, update, delete", func(t *testing.T) {
		covers(t, protocol.CodeCreateUser, protocol.CodeGetUser, protocol.CodeGetUsers, protocol.CodeUpdateUser,
			protocol.CodeUpdatePermissions, protocol.CodeDeleteUser)
		perms := &iggcon.Permissions{
			Global: iggcon.GlobalPermissions{ReadStreams: true, PollMessages: true},
			Streams: map[int]*iggcon.StreamPermissions{
				3: {ReadStream: true, SendMessages: true},
				1: {ManageTopics: true, Topics: map[int]*iggcon.TopicPermissions{
					2: {ReadTopic: true}, 0: {ManageTopic: true, SendMessages: true},
				}},
			},
		}
		name := uniqueName("alice")
		before := uint64(time.Now().UnixMicro())
		created, err := root.CreateUser(name, "secret1", iggcon.Active, perms)
		must(t, err, "create user")
		if created.Username != name || created.Status != iggcon.Active || created.CreatedAt < before ||
			!reflect.DeepEqual(canonPerms(t, created.Permissions), canonPerms(t, perms)) {
			t.Fatalf("created %+v with permissions %+v", created.UserInfo, canonPerms(t, created.Permissions))
		}
		byID, byName := userOf(t, root, id(t, created.Id)), userOf(t, root, id(t, name))
		if byID.UserInfo != created.UserInfo || byName.UserInfo != created.UserInfo ||
			!reflect.DeepEqual(canonPerms(t, byID.Permissions), canonPerms(t, perms)) ||
			!reflect.DeepEqual(canonPerms(t, byName.Permissions), canonPerms(t, perms)) {
			t.Fatalf("get by id %+v, by name %+v, want %+v", byID, byName, created)
		}
		users, err := root.GetUsers()
		must(t, err, "get users")
		if !slices.Contains(users, created.UserInfo) || !slices.ContainsFunc(users, func(u iggcon.UserInfo) bool { return u.Id == 0 && u.Username == "iggy" }) {
			t.Fatalf("users %+v lack %+v or root", users, created.UserInfo)
		}

		renamed, inactive := uniqueName("alice"), iggcon.Inactive
		must(t, root.UpdateUser(id(t, created.Id), &renamed, &inactive), "update user")
		if d := userOf(t, root, id(t, renamed)); d.Id != created.Id || d.Status != iggcon.Inactive {
			t.Fatalf("after update: %+v", d.UserInfo)
		}
		_, err = root.GetUser(id(t, name))
		wantNotFound(t, err, ierror.ErrResourceNotFound)
		active := iggcon.Active
		must(t, root.UpdateUser(id(t, renamed), nil, &active), "update status only")
		if d := userOf(t, root, id(t, created.Id)); d.Username != renamed || d.Status != iggcon.Active {
			t.Fatalf("after status update: %+v", d.UserInfo)
		}

		perms2 := &iggcon.Permissions{Global: iggcon.GlobalPermissions{ManageUsers: true, ReadUsers: true}}
		must(t, root.UpdatePermissions(id(t, created.Id), perms2), "update permissions")
		if d := userOf(t, root, id(t, created.Id)); !reflect.DeepEqual(canonPerms(t, d.Permissions), canonPerms(t, perms2)) {
			t.Fatalf("permissions %+v, want %+v", canonPerms(t, d.Permissions), canonPerms(t, perms2))
		}
		must(t, root.UpdatePermissions(id(t, created.Id), nil), "clear permissions")
		if d := userOf(t, root, id(t, created.Id)); d.Permissions != nil {
			t.Fatalf("cleared permissions read back as %+v", canonPerms(t, d.Permissions))
		}

		must(t, root.DeleteUser(id(t, renamed)), "delete user")
		_, err = root.GetUser(id(t, created.Id))
		wantNotFound(t, err, ierror.ErrResourceNotFound)
		users, err = root.GetUsers()
		must(t, err, "get users")
		if slices.ContainsFunc(users, func(u iggcon.UserInfo) bool { return u.Id == created.Id }) {
			t.Fatalf("deleted user still listed: %+v", users)
		}
		gone := id(t, renamed)
		wantStatus(t, root.DeleteUser(gone), protocol.StatusResourceNotFound)
		wantStatus(t, root.UpdateUser(gone, nil, &active), protocol.StatusResourceNotFound)
		wantStatus(t, root.UpdatePermissions(gone, nil), protocol.StatusResourceNotFound)
		wantStatus(t, root.ChangePassword(gone, "secret1", "secret2"), protocol.StatusResourceNotFound)
	})

	t.Run("failures", func(t *testing.T) {
		covers(t, protocol.CodeCreateUser, protocol.CodeUpdateUser, protocol.CodeDeleteUser, protocol.CodeUpdatePermissions, protocol.CodeLoginUser)
		a, b := uniqueName("dup"), uniqueName("dup")
		for _, n := range []string{a, b} {
			_, err := root.CreateUser(n, "secret", iggcon.Active, nil)
			must(t, err, "create user")
		}
		for _, tc := range []struct {
			name     string
			user     string
			password string
			want     protocol.Status
		}{
			{"duplicate name", a, "secret", protocol.StatusUserAlreadyExists},
			{"username too short", "ab", "secret", protocol.StatusInvalidUsername},
			{"username too long", strings.Repeat("u", 51), "secret", protocol.StatusInvalidUsername},
			{"password too short", uniqueName("u"), "ab", protocol.StatusInvalidPassword},
			{"password too long", uniqueName("u"), strings.Repeat("p", 101), protocol.StatusInvalidPassword},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := root.CreateUser(tc.user, tc.password, iggcon.Active, nil)
				wantStatus(t, err, tc.want)
			})
		}
		wantStatus(t, root.UpdateUser(id(t, b), &a, nil), protocol.StatusUserAlreadyExists)
		wantStatus(t, root.DeleteUser(id(t, uint32(0))), protocol.StatusCannotDeleteUser)
		wantStatus(t, root.DeleteUser(id(t, "iggy")), protocol.StatusCannotDeleteUser)
		wantStatus(t, root.UpdatePermissions(id(t, "iggy"), nil), protocol.StatusCannotChangePermissions)

		inactive := iggcon.Inactive
		must(t, root.UpdateUser(id(t, b), nil, &inactive), "deactivate")
		c := s.cmdDial(t)
		for _, tc := range []struct {
			name, user, password string
			want                 protocol.Status
		}{
			{"wrong password", a, "wrong", protocol.StatusInvalidCredentials},
			{"unknown user", uniqueName("nobody"), "secret", protocol.StatusInvalidCredentials},
			{"inactive user", b, "secret", protocol.StatusUserInactive},
			{"username too short", "ab", "secret", protocol.StatusInvalidUsername},
			{"password too short", a, "ab", protocol.StatusInvalidPassword},
		} {
			t.Run("login "+tc.name, func(t *testing.T) {
				c.want(&protocol.LoginUser{Username: tc.user, Password: tc.password, Version: "0.8.0"}, tc.want)
				c.want(&protocol.GetMe{}, protocol.StatusUnauthenticated)
			})
		}
		var info protocol.IdentityInfo
		must(t, info.Decode(c.ok(&protocol.LoginUser{Username: a, Password: "secret", Version: "0.8.0"})), "decode login reply")
		if d := userOf(t, root, id(t, a)); info.UserID != d.Id {
			t.Fatalf("login answered user id %d, want %d", info.UserID, d.Id)
		}
	})

	t.Run("change password", func(t *testing.T) {
		covers(t, protocol.CodeChangePassword, protocol.CodeLoginUser)
		name := uniqueName("pw")
		u, err := root.CreateUser(name, "first", iggcon.Active, nil)
		must(t, err, "create user")
		self := s.sdkClientAs(t, name, "first")
		wantStatus(t, self.ChangePassword(id(t, name), "wrong", "second"), protocol.StatusInvalidCredentials)
		wantStatus(t, self.ChangePassword(id(t, name), "first", "ab"), protocol.StatusInvalidPassword)
		must(t, self.ChangePassword(id(t, u.Id), "first", "second"), "change own password")
		// The session that changed it goes on.
		if d := userOf(t, self, id(t, u.Id)); d.Username != name {
			t.Fatalf("own user after the change: %+v", d.UserInfo)
		}
		c := s.cmdDial(t)
		c.want(&protocol.LoginUser{Username: name, Password: "first", Version: "0.8.0"}, protocol.StatusInvalidCredentials)
		c.ok(&protocol.LoginUser{Username: name, Password: "second", Version: "0.8.0"})
		// Another user may change it only with manage_users.
		other := uniqueName("pw")
		_, err = root.CreateUser(other, "secret", iggcon.Active, nil)
		must(t, err, "create user")
		wantStatus(t, s.sdkClientAs(t, other, "secret").ChangePassword(id(t, name), "second", "third"), protocol.StatusUnauthorized)
		// root changes it: every session of the user ends.
		must(t, root.ChangePassword(id(t, name), "second", "third"), "root changes the password")
		_, err = self.GetUser(id(t, u.Id))
		wantStatus(t, err, protocol.StatusUnauthenticated)
		c.want(&protocol.GetMe{}, protocol.StatusUnauthenticated)
		s.sdkClientAs(t, name, "third")
	})

	t.Run("logout, delete and deactivate end sessions", func(t *testing.T) {
		covers(t, protocol.CodeLogoutUser, protocol.CodeLoginUser, protocol.CodeDeleteUser, protocol.CodeUpdateUser)
		name := uniqueName("sess")
		_, err := root.CreateUser(name, "secret", iggcon.Active, &iggcon.Permissions{Global: iggcon.GlobalPermissions{ReadStreams: true}})
		must(t, err, "create user")
		c := s.sdkClientAs(t, name, "secret")
		_, err = c.GetStreams()
		must(t, err, "get streams while logged in")
		must(t, c.LogoutUser(), "logout")
		_, err = c.GetStreams()
		wantStatus(t, err, protocol.StatusUnauthenticated)
		wantStatus(t, c.LogoutUser(), protocol.StatusUnauthenticated)
		_, err = c.LoginUser(name, "secret")
		must(t, err, "login again on the same connection")
		_, err = c.GetStreams()
		must(t, err, "get streams after logging in again")

		inactive, active := iggcon.Inactive, iggcon.Active
		must(t, root.UpdateUser(id(t, name), nil, &inactive), "deactivate")
		_, err = c.GetStreams()
		wantStatus(t, err, protocol.StatusUnauthenticated)
		must(t, root.UpdateUser(id(t, name), nil, &active), "activate")
		_, err = c.LoginUser(name, "secret")
		must(t, err, "login after reactivation")

		// Renaming keeps the session: the credential did not change.
		renamed := uniqueName("sess")
		must(t, root.UpdateUser(id(t, name), &renamed, nil), "rename")
		_, err = c.GetStreams()
		must(t, err, "get streams after a rename")

		must(t, root.DeleteUser(id(t, renamed)), "delete user")
		_, err = c.GetStreams()
		wantStatus(t, err, protocol.StatusUnauthenticated)
		_, err = c.LoginUser(renamed, "secret")
		wantStatus(t, err, protocol.StatusInvalidCredentials)
	})

	t.Run("permissions are enforced", func(t *testing.T) {
		covers(t, protocol.CodeGetUser, protocol.CodeGetUsers, protocol.CodeCreateUser, protocol.CodeUpdatePermissions)
		plain := uniqueName("plain")
		pu, err := root.CreateUser(plain, "secret", iggcon.Active, nil)
		must(t, err, "create user")
		c := s.sdkClientAs(t, plain, "secret")
		if d := userOf(t, c, id(t, pu.Id)); d.Username != plain {
			t.Fatalf("a user reads itself: %+v", d.UserInfo)
		}
		_, err = c.GetUser(id(t, "iggy"))
		wantStatus(t, err, protocol.StatusUnauthorized)
		_, err = c.GetUsers()
		wantStatus(t, err, protocol.StatusUnauthorized)
		_, err = c.CreateUser(uniqueName("x"), "secret", iggcon.Active, nil)
		wantStatus(t, err, protocol.StatusUnauthorized)
		_, err = c.GetStreams()
		wantStatus(t, err, protocol.StatusUnauthorized)
		_, err = c.CreateStream(uniqueName("x"))
		wantStatus(t, err, protocol.StatusUnauthorized)

		// Granted read_users: reads work, changes do not; the grant applies
		// to the open session at once.
		must(t, root.UpdatePermissions(id(t, pu.Id), &iggcon.Permissions{Global: iggcon.GlobalPermissions{ReadUsers: true}}), "grant read_users")
		_, err = c.GetUsers()
		must(t, err, "get users with read_users")
		userOf(t, c, id(t, "iggy"))
		_, err = c.CreateUser(uniqueName("x"), "secret", iggcon.Active, nil)
		wantStatus(t, err, protocol.StatusUnauthorized)
		wantStatus(t, c.DeleteUser(id(t, "iggy")), protocol.StatusUnauthorized)

		// A stream grant covers that stream only.
		mine := newStream(t, root, "mine")
		other := newStream(t, root, "other")
		sd, err := root.GetStream(id(t, mine))
		must(t, err, "get stream")
		must(t, root.UpdatePermissions(id(t, pu.Id), &iggcon.Permissions{Streams: map[int]*iggcon.StreamPermissions{int(sd.Id): {ReadStream: true}}}), "grant one stream")
		got, err := c.GetStream(id(t, mine))
		must(t, err, "get the granted stream")
		if got.Name != mine {
			t.Fatalf("granted stream read as %+v", got.Stream)
		}
		_, err = c.GetStream(id(t, other))
		wantStatus(t, err, protocol.StatusUnauthorized)
	})
}

func TestPersonalAccessTokenCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)
	name := uniqueName("pat-user")
	u, err := root.CreateUser(name, "secret", iggcon.Active, &iggcon.Permissions{Global: iggcon.GlobalPermissions{ReadStreams: true}})
	must(t, err, "create user")
	owner := s.sdkClientAs(t, name, "secret")
	ownerRaw := s.cmdLogin(t, name, "secret")
	list := func() protocol.PersonalAccessTokenList {
		t.Helper()
		var l protocol.PersonalAccessTokenList
		must(t, l.Decode(ownerRaw.ok(&protocol.GetPersonalAccessTokens{})), "decode token list")
		return l
	}

	t.Run("create, list, login, delete", func(t *testing.T) {
		covers(t, protocol.CodeCreatePersonalAccessToken, protocol.CodeGetPersonalAccessTokens,
			protocol.CodeLoginWithPersonalAccessToken, protocol.CodeDeletePersonalAccessToken)
		if l := list(); len(l) != 0 {
			t.Fatalf("tokens before any: %+v", l)
		}
		tok, err := owner.CreatePersonalAccessToken("ci-token", 0)
		must(t, err, "create token")
		if raw, err := base64.StdEncoding.DecodeString(tok.Token); err != nil || len(tok.Token) != 68 || len(raw) != 50 {
			t.Fatalf("token %q: %d characters, want base64 of 50 bytes (%v)", tok.Token, len(tok.Token), err)
		}
		if l := list(); len(l) != 1 || l[0].Name != "ci-token" || l[0].ExpiryAt != 0 {
			t.Fatalf("tokens %+v, want ci-token never expiring", l)
		}
		sdkTokens, err := owner.GetPersonalAccessTokens()
		must(t, err, "sdk list tokens")
		if len(sdkTokens) != 1 || sdkTokens[0].Name != "ci-token" {
			t.Fatalf("sdk token list %+v", sdkTokens)
		}
		rootTokens := protocol.PersonalAccessTokenList{}
		must(t, rootTokens.Decode(s.cmdLogin(t, "iggy", "iggy").ok(&protocol.GetPersonalAccessTokens{})), "decode")
		if len(rootTokens) != 0 {
			t.Fatalf("root sees another user's tokens: %+v", rootTokens)
		}

		viaToken := s.sdkConnect(t)
		ident, err := viaToken.LoginWithPersonalAccessToken(tok.Token)
		must(t, err, "login with token")
		if ident.UserId != u.Id {
			t.Fatalf("token login as user %d, want %d", ident.UserId, u.Id)
		}
		_, err = viaToken.GetStreams()
		must(t, err, "get streams with the token's session")
		rawToken := s.cmdDial(t)
		rawToken.ok(&protocol.LoginWithPersonalAccessToken{Token: tok.Token})
		var me protocol.ClientDetails
		must(t, me.Decode(rawToken.ok(&protocol.GetMe{})), "decode GetMe")
		if me.Client.UserID != u.Id {
			t.Fatalf("GetMe of a token session: user %d, want %d", me.Client.UserID, u.Id)
		}

		_, err = owner.CreatePersonalAccessToken("ci-token", 0)
		wantStatus(t, err, protocol.StatusPersonalAccessTokenAlreadyExists)
		_, err = owner.CreatePersonalAccessToken("ab", 0)
		wantStatus(t, err, protocol.StatusInvalidPersonalAccessTokenName)
		_, err = owner.CreatePersonalAccessToken(strings.Repeat("n", 31), 0)
		wantStatus(t, err, protocol.StatusInvalidPersonalAccessTokenName)
		// Names are per user.
		_, err = root.CreatePersonalAccessToken("ci-token", 0)
		must(t, err, "root creates a token of the same name")

		must(t, owner.DeletePersonalAccessToken("ci-token"), "delete token")
		if l := list(); len(l) != 0 {
			t.Fatalf("tokens after delete: %+v", l)
		}
		_, err = viaToken.GetStreams()
		wantStatus(t, err, protocol.StatusUnauthenticated)
		rawToken.want(&protocol.GetMe{}, protocol.StatusUnauthenticated)
		_, err = s.sdkConnect(t).LoginWithPersonalAccessToken(tok.Token)
		wantStatus(t, err, protocol.StatusResourceNotFound)
		wantStatus(t, owner.DeletePersonalAccessToken("ci-token"), protocol.StatusResourceNotFound)
		// The password session that made the token is untouched.
		_, err = owner.GetStreams()
		must(t, err, "owner's password session after the token went")
		s.cmdDial(t).want(&protocol.LoginWithPersonalAccessToken{Token: strings.Repeat("A", 68)}, protocol.StatusResourceNotFound)
	})

	t.Run("an expiring token ends its sessions", func(t *testing.T) {
		covers(t, protocol.CodeCreatePersonalAccessToken, protocol.CodeLoginWithPersonalAccessToken, protocol.CodeGetPersonalAccessTokens)
		// The SDK writes its u32 expiry into the high half of the u64, so raw.
		const expiry = 5 * time.Second
		before := uint64(time.Now().UnixMicro())
		var tok protocol.RawPersonalAccessToken
		must(t, tok.Decode(ownerRaw.ok(&protocol.CreatePersonalAccessToken{Name: "short", Expiry: uint64(expiry / time.Microsecond)})), "decode token")
		after := uint64(time.Now().UnixMicro())
		l := list()
		i := slices.IndexFunc(l, func(p protocol.PersonalAccessTokenInfo) bool { return p.Name == "short" })
		if i < 0 || l[i].ExpiryAt < before+uint64(expiry/time.Microsecond) || l[i].ExpiryAt > after+uint64(expiry/time.Microsecond) {
			t.Fatalf("tokens %+v, want short expiring %v after creation (%d..%d)", l, expiry, before, after)
		}
		session := s.cmdDial(t)
		session.ok(&protocol.LoginWithPersonalAccessToken{Token: tok.Token})
		probe := s.cmdDial(t)
		testutil.Eventually(t, 3*expiry, func() error {
			if st, _ := probe.do(&protocol.LoginWithPersonalAccessToken{Token: tok.Token}); st != protocol.StatusPersonalAccessTokenExpired {
				return fmt.Errorf("login with the token: status %d", st)
			}
			return nil
		})
		session.want(&protocol.GetMe{}, protocol.StatusUnauthenticated)
	})

	t.Run("at most 100 tokens per user", func(t *testing.T) {
		covers(t, protocol.CodeCreatePersonalAccessToken)
		bulk := uniqueName("bulk")
		_, err := root.CreateUser(bulk, "secret", iggcon.Active, nil)
		must(t, err, "create user")
		c := s.cmdLogin(t, bulk, "secret")
		for range 100 {
			c.ok(&protocol.CreatePersonalAccessToken{Name: uniqueName("bulk")})
		}
		c.want(&protocol.CreatePersonalAccessToken{Name: uniqueName("bulk")}, protocol.StatusPersonalAccessTokensLimitReached)
		var l protocol.PersonalAccessTokenList
		must(t, l.Decode(c.ok(&protocol.GetPersonalAccessTokens{})), "decode token list")
		if len(l) != 100 {
			t.Fatalf("%d tokens listed, want 100", len(l))
		}
	})
}
