// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// Catalogue E3, the credential lifecycle, with new logins and sessions that
// are already open: a session lives as long as the credential it logged in
// with. Then E5 (lite): no password or token used here is stored or logged
// in plain text.

// secretBook remembers every password and token a test used.
type secretBook struct{ secrets []string }

// password returns a fresh password that no other text contains.
func (b *secretBook) password(prefix string) string {
	raw := make([]byte, 12)
	rand.Read(raw)
	p := prefix + "-" + hex.EncodeToString(raw)
	b.secrets = append(b.secrets, p)
	return p
}

func (b *secretBook) token(tok string) string {
	b.secrets = append(b.secrets, tok)
	return tok
}

// expectStatus sends a command that needs a session and checks its status;
// after a 40 the connection must still answer Ping.
func expectStatus(t *testing.T, c *secConn, what string, want protocol.Status) {
	t.Helper()
	if st, _ := c.do(&protocol.GetMe{}); st != want {
		t.Fatalf("%s: GetMe answered %v, want %v", what, st, want)
	}
	if err := c.ping(); err != nil {
		t.Fatalf("%s: connection unusable: %v", what, err)
	}
}

func TestSessionsEndWithTheirCredential(t *testing.T) {
	book := &secretBook{}
	rootPass := book.password("root")
	s := Start(t, Options{Shards: 2, Env: []string{"RIFFLE_ROOT_PASSWORD=" + rootPass}})
	root := s.secLogin(t, "iggy", rootPass)
	// What each login must answer after a restart: the credential state is
	// as durable as the rest of the metadata.
	type relogin struct {
		what, user, secret string // user "" = secret is a token
		want               protocol.Status
	}
	var after []relogin

	t.Run("wrong credentials", func(t *testing.T) {
		pass := book.password("wrong")
		root.createUser("cred-wrong", pass, nil)
		inactivePass := book.password("inactive")
		root.ok(&protocol.CreateUser{Username: "cred-inactive", Password: inactivePass, Status: protocol.UserInactive})
		for _, tc := range []struct {
			name, user, password string
			want                 protocol.Status
		}{
			{"wrong password", "cred-wrong", pass + "x", protocol.StatusInvalidCredentials},
			{"unknown user", "cred-nobody", pass, protocol.StatusInvalidCredentials},
			{"username too short", "ab", pass, protocol.StatusInvalidUsername},
			{"username too long", strings.Repeat("u", 51), pass, protocol.StatusInvalidUsername},
			{"password too short", "cred-wrong", "pw", protocol.StatusInvalidPassword},
			{"password too long", "cred-wrong", strings.Repeat("p", 101), protocol.StatusInvalidPassword},
			{"inactive user", "cred-inactive", inactivePass, protocol.StatusUserInactive},
			{"unknown token", "", strings.Repeat("B", 68), protocol.StatusResourceNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := s.secDial(t)
				var st protocol.Status
				if tc.user == "" {
					st = c.loginPAT(tc.password)
				} else {
					st = c.login(tc.user, tc.password)
				}
				if st != tc.want {
					t.Fatalf("login answered %v, want %v", st, tc.want)
				}
				expectStatus(t, c, "after a refused login", protocol.StatusUnauthenticated)
			})
		}
		// The bounds themselves are accepted.
		edge := book.password(strings.Repeat("p", 75)) // 100 characters
		root.createUser(strings.Repeat("e", 50), edge, nil)
		s.secLogin(t, strings.Repeat("e", 50), edge)
	})

	t.Run("deleted user", func(t *testing.T) {
		pass := book.password("deleted")
		id := root.createUser("cred-deleted", pass, nil)
		s1, s2 := s.secLogin(t, "cred-deleted", pass), s.secLogin(t, "cred-deleted", pass)
		idle := s.secLogin(t, "cred-deleted", pass) // sends nothing until the name is reused
		tok := book.token(s1.createPAT("deleted-token", 0))
		s3 := s.secDial(t)
		if st := s3.loginPAT(tok); st != protocol.StatusOK {
			t.Fatalf("token login: %v", st)
		}
		t.Logf("sessions on shards %d, %d, %d", s.ownerShard(t, s1.rawConn), s.ownerShard(t, s2.rawConn), s.ownerShard(t, s3.rawConn))
		root.ok(&protocol.DeleteUser{User: num(id)})
		// The deletion is answered once every shard applied it, so the very
		// next command of each open session is refused.
		expectStatus(t, s1, "password session after delete", protocol.StatusUnauthenticated)
		expectStatus(t, s2, "second password session after delete", protocol.StatusUnauthenticated)
		expectStatus(t, s3, "token session after delete", protocol.StatusUnauthenticated)
		if st := s.secDial(t).login("cred-deleted", pass); st != protocol.StatusInvalidCredentials {
			t.Fatalf("login of a deleted user: %v, want %v", st, protocol.StatusInvalidCredentials)
		}
		if st := s.secDial(t).loginPAT(tok); st != protocol.StatusResourceNotFound {
			t.Fatalf("token login of a deleted user: %v, want %v", st, protocol.StatusResourceNotFound)
		}
		after = append(after, relogin{"deleted user's password", "cred-deleted", pass, protocol.StatusInvalidCredentials},
			relogin{"deleted user's token", "", tok, protocol.StatusResourceNotFound})
		// A session of the deleted user does not come back to life with a new
		// user of the same name (and, ids being reused, the same id).
		again := root.createUser("cred-deleted", book.password("recreated"), nil)
		t.Logf("deleted user had id %d, the new one has %d", id, again)
		expectStatus(t, idle, "idle session after the name is reused", protocol.StatusUnauthenticated)
		expectStatus(t, s1, "refused session after the name is reused", protocol.StatusUnauthenticated)
	})

	t.Run("deactivated user", func(t *testing.T) {
		pass := book.password("deactivated")
		id := root.createUser("cred-deactivated", pass, nil)
		s1 := s.secLogin(t, "cred-deactivated", pass)
		tok := book.token(s1.createPAT("deactivated-token", 0))
		s2 := s.secDial(t)
		if st := s2.loginPAT(tok); st != protocol.StatusOK {
			t.Fatalf("token login: %v", st)
		}
		root.ok(&protocol.UpdateUser{User: num(id), HasStatus: true, Status: protocol.UserInactive})
		expectStatus(t, s1, "password session after deactivation", protocol.StatusUnauthenticated)
		expectStatus(t, s2, "token session after deactivation", protocol.StatusUnauthenticated)
		if st := s.secDial(t).login("cred-deactivated", pass); st != protocol.StatusUserInactive {
			t.Fatalf("login of an inactive user: %v, want %v", st, protocol.StatusUserInactive)
		}
		if st := s.secDial(t).loginPAT(tok); st != protocol.StatusUserInactive {
			t.Fatalf("token login of an inactive user: %v, want %v", st, protocol.StatusUserInactive)
		}
		root.ok(&protocol.UpdateUser{User: num(id), HasStatus: true, Status: protocol.UserActive})
		expectStatus(t, s.secLogin(t, "cred-deactivated", pass), "login after reactivation", protocol.StatusOK)
	})

	t.Run("changed password", func(t *testing.T) {
		oldPass, newPass := book.password("old"), book.password("new")
		id := root.createUser("cred-changed", oldPass, nil)
		changer, other := s.secLogin(t, "cred-changed", oldPass), s.secLogin(t, "cred-changed", oldPass)
		tok := book.token(changer.createPAT("changed-token", 0))
		viaToken := s.secDial(t)
		if st := viaToken.loginPAT(tok); st != protocol.StatusOK {
			t.Fatalf("token login: %v", st)
		}
		// A wrong current password or a bad new one changes nothing.
		if st, _ := changer.do(&protocol.ChangePassword{User: num(id), CurrentPassword: newPass, NewPassword: newPass}); st != protocol.StatusInvalidCredentials {
			t.Fatalf("change with a wrong current password: %v, want %v", st, protocol.StatusInvalidCredentials)
		}
		if st, _ := changer.do(&protocol.ChangePassword{User: num(id), CurrentPassword: oldPass, NewPassword: "pw"}); st != protocol.StatusInvalidPassword {
			t.Fatalf("change to a short password: %v, want %v", st, protocol.StatusInvalidPassword)
		}
		expectStatus(t, other, "other session after refused changes", protocol.StatusOK)

		// A user without any permission changes its own password.
		changer.ok(&protocol.ChangePassword{User: num(id), CurrentPassword: oldPass, NewPassword: newPass})
		expectStatus(t, changer, "the session that changed the password", protocol.StatusOK)
		changer.ok(&protocol.GetPersonalAccessTokens{})
		expectStatus(t, other, "another password session", protocol.StatusUnauthenticated)
		expectStatus(t, viaToken, "a token session (its credential did not change)", protocol.StatusOK)
		if st := s.secDial(t).login("cred-changed", oldPass); st != protocol.StatusInvalidCredentials {
			t.Fatalf("login with the old password: %v, want %v", st, protocol.StatusInvalidCredentials)
		}
		fresh := s.secLogin(t, "cred-changed", newPass)

		// Changed by another user (root): every password session of the user
		// ends, the changing session goes on.
		rootPass2 := book.password("by-root")
		root.ok(&protocol.ChangePassword{User: num(id), CurrentPassword: newPass, NewPassword: rootPass2})
		expectStatus(t, changer, "the user's session after root changed its password", protocol.StatusUnauthenticated)
		expectStatus(t, fresh, "a newer session after root changed the password", protocol.StatusUnauthenticated)
		expectStatus(t, root, "root's own session", protocol.StatusOK)
		s.secLogin(t, "cred-changed", rootPass2)
		after = append(after, relogin{"first password", "cred-changed", oldPass, protocol.StatusInvalidCredentials},
			relogin{"second password", "cred-changed", newPass, protocol.StatusInvalidCredentials},
			relogin{"password set by root", "cred-changed", rootPass2, protocol.StatusOK})
	})

	t.Run("deleted token", func(t *testing.T) {
		pass := book.password("tokens")
		root.createUser("cred-tokens", pass, nil)
		owner := s.secLogin(t, "cred-tokens", pass)
		kept, deleted := book.token(owner.createPAT("kept", 0)), book.token(owner.createPAT("deleted", 0))
		if len(deleted) != 68 {
			t.Errorf("token is %d characters, want 68", len(deleted))
		}
		viaKept, viaDeleted := s.secDial(t), s.secDial(t)
		for _, c := range []struct {
			conn *secConn
			tok  string
		}{{viaKept, kept}, {viaDeleted, deleted}} {
			var id protocol.IdentityInfo
			st, body := c.conn.do(&protocol.LoginWithPersonalAccessToken{Token: c.tok})
			if err := id.Decode(body); st != protocol.StatusOK || err != nil {
				t.Fatalf("token login: %v %v", st, err)
			}
		}
		owner.ok(&protocol.DeletePersonalAccessToken{Name: "deleted"})
		expectStatus(t, viaDeleted, "session of the deleted token", protocol.StatusUnauthenticated)
		expectStatus(t, viaKept, "session of another token", protocol.StatusOK)
		expectStatus(t, owner, "the password session that deleted it", protocol.StatusOK)
		if st := s.secDial(t).loginPAT(deleted); st != protocol.StatusResourceNotFound {
			t.Fatalf("login with a deleted token: %v, want %v", st, protocol.StatusResourceNotFound)
		}
		if st, _ := owner.do(&protocol.DeletePersonalAccessToken{Name: "deleted"}); st != protocol.StatusResourceNotFound {
			t.Fatalf("deleting it again: %v, want %v", st, protocol.StatusResourceNotFound)
		}
		after = append(after, relogin{"deleted token", "", deleted, protocol.StatusResourceNotFound},
			relogin{"kept token", "", kept, protocol.StatusOK})
	})

	t.Run("expired token", func(t *testing.T) {
		pass := book.password("expiring")
		root.createUser("cred-expiring", pass, nil)
		owner := s.secLogin(t, "cred-expiring", pass)
		const expiry = time.Second
		created := time.Now()
		// Raw frames: the expiry is µs in a u64 (the Go SDK writes it in
		// the upper half).
		tok := book.token(owner.createPAT("short", uint64(expiry/time.Microsecond)))
		var list protocol.PersonalAccessTokenList
		if err := list.Decode(owner.ok(&protocol.GetPersonalAccessTokens{})); err != nil || len(list) != 1 {
			t.Fatalf("tokens %v, %v", list, err)
		}
		at := time.UnixMicro(int64(list[0].ExpiryAt))
		if d := at.Sub(created); d < expiry-time.Second/2 || d > expiry+testutil.Scale(2*time.Second) {
			t.Fatalf("expiry_at is %v after creation, want about %v", d, expiry)
		}
		session := s.secDial(t)
		if st := session.loginPAT(tok); st != protocol.StatusOK {
			t.Fatalf("token login before expiry: %v", st)
		}
		// The open session works until expiry_at and is refused from then on.
		var cut time.Time
		testutil.Eventually(t, 10*time.Second, func() error {
			now := time.Now()
			st, _ := session.do(&protocol.GetMe{})
			switch {
			case st == protocol.StatusUnauthenticated:
				cut = now
				return nil
			case st != protocol.StatusOK:
				t.Fatalf("token session before expiry: %v", st)
			case now.After(at.Add(time.Second)):
				t.Fatalf("token session still served %v after expiry_at", now.Sub(at))
			}
			return errors.New("token session still served")
		})
		if cut.Before(at.Add(-100 * time.Millisecond)) {
			t.Fatalf("token session cut %v before expiry_at", at.Sub(cut))
		}
		t.Logf("token session cut %v after expiry_at", cut.Sub(at))
		expectStatus(t, session, "expired token session", protocol.StatusUnauthenticated)
		if st := s.secDial(t).loginPAT(tok); st != protocol.StatusPersonalAccessTokenExpired {
			t.Fatalf("login with an expired token: %v, want %v", st, protocol.StatusPersonalAccessTokenExpired)
		}
		expectStatus(t, owner, "the owner's password session", protocol.StatusOK)
		after = append(after, relogin{"expired token", "", tok, protocol.StatusPersonalAccessTokenExpired})
	})

	t.Run("token names", func(t *testing.T) {
		pass := book.password("names")
		root.createUser("cred-names", pass, nil)
		c := s.secLogin(t, "cred-names", pass)
		for _, tc := range []struct {
			name string
			want protocol.Status
		}{
			{"ab", protocol.StatusInvalidPersonalAccessTokenName},
			{strings.Repeat("n", 31), protocol.StatusInvalidPersonalAccessTokenName},
			{"abc", protocol.StatusOK},
			{strings.Repeat("n", 30), protocol.StatusOK},
			{"abc", protocol.StatusPersonalAccessTokenAlreadyExists},
		} {
			st, body := c.do(&protocol.CreatePersonalAccessToken{Name: tc.name})
			if st != tc.want {
				t.Errorf("token name %q: %v, want %v", tc.name, st, tc.want)
			}
			if st == protocol.StatusOK {
				var tok protocol.RawPersonalAccessToken
				if err := tok.Decode(body); err != nil {
					t.Fatalf("decode token: %v", err)
				}
				book.token(tok.Token)
			}
		}
		// Another user may use the same name.
		root.createPAT("abc", 0)
	})

	t.Run("no plaintext at rest", func(t *testing.T) {
		s.Stop()
		checkNoSecrets(t, s.Dir, book.secrets, "cred-changed")
	})

	t.Run("after restart", func(t *testing.T) {
		s2 := Start(t, Options{Shards: 2, Dir: s.Dir})
		for _, r := range after {
			c := s2.secDial(t)
			var st protocol.Status
			if r.user == "" {
				st = c.loginPAT(r.secret)
			} else {
				st = c.login(r.user, r.secret)
			}
			if st != r.want {
				t.Errorf("%s: login answered %v, want %v", r.what, st, r.want)
			}
		}
		s2.Stop()
		checkNoSecrets(t, s2.Dir, book.secrets, "cred-changed")
	})
}

// checkNoSecrets walks dir (data files and the server log) and fails for
// every file that holds one of secrets in plain text. control is text that
// must be found (a username), so the walk is known to read what is stored.
func checkNoSecrets(t *testing.T, dir string, secrets []string, control string) {
	t.Helper()
	files, matches, controls := 0, 0, 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte(control)) {
			controls++
		}
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				matches++
				t.Errorf("%s holds a secret in plain text (%.8s…)", path, sec)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	if controls == 0 {
		t.Fatalf("no file under %s holds %q: the walk does not see the stored metadata", dir, control)
	}
	t.Logf("%d secrets, %d files, %d matches", len(secrets), files, matches)
}
