// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"riffle/internal/metadata"
)

func TestHashPasswordWritesArgon2idPHC(t *testing.T) {
	h, err := metadata.HashPassword("password", metadata.Argon2Params{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not a default argon2id PHC string", h)
	}
	if strings.Contains(h, "password") {
		t.Fatal("hash contains the password")
	}
	h2, _ := metadata.HashPassword("password", metadata.Argon2Params{}, nil)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if !metadata.VerifyPassword("password", h) || metadata.VerifyPassword("passwore", h) {
		t.Fatal("VerifyPassword disagrees with HashPassword")
	}
}

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	good, _ := metadata.HashPassword("pw-pw", fastArgon2, nil)
	parts := strings.Split(good, "$")
	tests := map[string]string{
		"empty":          "",
		"plain text":     "pw-pw",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"version 16":     strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Replace(good, "m=64", "m=99999999", 1),
		"zero time":      strings.Replace(good, "t=1", "t=0", 1),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"missing field":  strings.Join(parts[:5], "$"),
		"unknown param":  strings.Replace(good, "p=1", "x=1", 1),
		"too many parts": good + "$x",
	}
	if !metadata.VerifyPassword("pw-pw", good) {
		t.Fatal("good hash rejected")
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			if metadata.VerifyPassword("pw-pw", h) {
				t.Fatalf("malformed hash %q accepted", h)
			}
		})
	}
}

func TestAuthenticateReturnsIggyCodesInOrder(t *testing.T) {
	st := fixture(t)
	mustCommit(t, st, 0, metadata.CreateUser{Username: "sleepy", Password: "sleepy-pw", Status: metadata.UserInactive}, testEnv())
	tests := []struct {
		name, user, pass string
		want             uint32
		wantID           uint32
	}{
		{"root", "iggy", rootPass, 0, 0},
		{"alice", "alice", "alice-pw", 0, aliceID},
		{"short username", "al", "whatever", 43, 0},
		{"long username", strings.Repeat("a", 51), "whatever", 43, 0},
		{"short password", "alice", "pw", 44, 0},
		{"long password", "alice", strings.Repeat("p", 101), 44, 0},
		{"unknown user", "mallory", "whatever", 42, 0},
		{"wrong password", "alice", "alice-px", 42, 0},
		{"inactive user", "sleepy", "wrong-password", 47, 0},
		{"username is case-sensitive", "Alice", "alice-pw", 42, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := st.Authenticate(tt.user, tt.pass)
			wantStatus(t, err, tt.want)
			if err == nil && id != tt.wantID {
				t.Fatalf("user id %d, want %d", id, tt.wantID)
			}
		})
	}
}

func TestAuthenticateTokenLifecycle(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	never := mustCommit(t, st, aliceID, metadata.CreatePersonalAccessToken{Name: "never", Expiry: metadata.Never}, env)
	short := mustCommit(t, st, aliceID, metadata.CreatePersonalAccessToken{Name: "short", Expiry: 1_000_000}, env)
	if len(never.Token) != 68 {
		t.Fatalf("token %q has %d characters, want 68", never.Token, len(never.Token))
	}
	if raw, err := base64.StdEncoding.DecodeString(never.Token); err != nil || len(raw) != 50 {
		t.Fatalf("token is not padded base64 of 50 bytes: %v", err)
	}
	pats := st.PATs(aliceID)
	if len(pats) != 2 || pats[0].Name != "never" || pats[0].ExpiryAt != 0 || pats[1].ExpiryAt != testNow+1_000_000 {
		t.Fatalf("PATs = %+v", pats)
	}
	for _, p := range pats {
		if p.Hash == never.Token || p.Hash == short.Token || len(p.Hash) != 64 {
			t.Fatalf("stored token %+v is not a BLAKE3 hex digest", p)
		}
	}
	tests := []struct {
		name  string
		token string
		now   uint64
		want  uint32
	}{
		{"valid", short.Token, testNow, 0},
		{"one microsecond before expiry", short.Token, testNow + 999_999, 0},
		{"at expiry", short.Token, testNow + 1_000_000, 54},
		{"never expires", never.Token, metadata.Never - 1, 0},
		{"unknown", "not-a-token", testNow, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := st.AuthenticateToken(tt.token, tt.now)
			wantStatus(t, err, tt.want)
			if err == nil && id != aliceID {
				t.Fatalf("user %d, want alice", id)
			}
		})
	}
	mustCommit(t, st, 0, metadata.UpdateUser{User: alice, Status: ptr(metadata.UserInactive)}, env)
	_, err := st.AuthenticateToken(never.Token, testNow)
	wantStatus(t, err, 47)
	if st.SessionValid(aliceID) {
		t.Fatal("inactive user's session still valid")
	}
	mustCommit(t, st, aliceID, metadata.DeletePersonalAccessToken{Name: "never"}, env)
	_, err = st.AuthenticateToken(never.Token, testNow)
	wantStatus(t, err, 20)
}

func TestChangePasswordTakesEffect(t *testing.T) {
	st := fixture(t)
	mustCommit(t, st, aliceID, metadata.ChangePassword{User: alice, CurrentPassword: "alice-pw", NewPassword: "brand-new"}, testEnv())
	if _, err := st.Authenticate("alice", "alice-pw"); statusOf(err) != 42 {
		t.Fatalf("old password: %v, want 42", err)
	}
	if id, err := st.Authenticate("alice", "brand-new"); err != nil || id != aliceID {
		t.Fatalf("new password: %d %v", id, err)
	}
}

func TestSecretsNeverReachEntriesOrSnapshots(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	secrets := []string{"create-secret", "change-secret"}
	var blobs [][]byte
	add := func(cmd metadata.Command, actor uint32) metadata.Result {
		e, r, err := metadata.Prepare(st, actor, cmd, env)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := metadata.EncodeEntry(e)
		blobs = append(blobs, b)
		if err := st.Apply(e); err != nil {
			t.Fatal(err)
		}
		return r
	}
	add(metadata.CreateUser{Username: "bob", Password: secrets[0], Status: 1}, 0)
	add(metadata.ChangePassword{User: metadata.NamedID("bob"), CurrentPassword: secrets[0], NewPassword: secrets[1]}, 0)
	r := add(metadata.CreatePersonalAccessToken{Name: "tok"}, aliceID)
	secrets = append(secrets, r.Token)
	blobs = append(blobs, snapshotBytes(t, st))
	for _, b := range blobs {
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Fatalf("secret %q found in encoded metadata", s)
			}
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h, err := metadata.HashPassword("benchmark-password", metadata.DefaultArgon2, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !metadata.VerifyPassword("benchmark-password", h) {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkLogin compares a wrong password for a known user with any password
// for an unknown one: both hash, so neither answer is faster (compare the two
// ns/op; they must be alike).
func BenchmarkLogin(b *testing.B) {
	st := metadata.NewState()
	hash, err := metadata.HashPassword("right-password", metadata.DefaultArgon2, nil)
	if err != nil {
		b.Fatal(err)
	}
	e, _, err := metadata.Prepare(st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: hash}, testEnv())
	if err != nil || st.Apply(e) != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, user string }{{"known-user-wrong-password", "iggy"}, {"unknown-user", "mallory"}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Authenticate(tc.user, "wrong-password"); err == nil {
					b.Fatal("login accepted")
				}
			}
		})
	}
}

func TestPrecomputedPasswordsAreUsedOnlyWhenTheyMatch(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	create := metadata.CreateUser{Username: "bob", Password: "bob-password", Status: metadata.UserActive}

	// An actor without manage_users gets no work done on its behalf.
	if got := metadata.PrecomputePasswords(st, aliceID, create, env)(); got != nil {
		t.Fatalf("work precomputed for an unprivileged actor: %+v", got)
	}
	// Root: the precomputed hash is the one stored.
	pw := metadata.PrecomputePasswords(st, 0, create, env)()
	if pw == nil || pw.Hashes["bob-password"] == "" {
		t.Fatalf("no hash precomputed: %+v", pw)
	}
	env.Passwords = pw
	e, res, err := metadata.Prepare(st, 0, create, env)
	if err != nil {
		t.Fatal(err)
	}
	if e.CreateUser.PasswordHash != pw.Hashes["bob-password"] {
		t.Fatal("Prepare hashed again instead of using the precomputed hash")
	}
	if err := st.Apply(e); err != nil {
		t.Fatal(err)
	}
	if id, err := st.Authenticate("bob", "bob-password"); err != nil || id != res.UserID {
		t.Fatalf("login with the precomputed hash: %d %v", id, err)
	}

	// ChangePassword: a wrong current password is refused from the precomputed
	// verification, and a right one uses the precomputed new hash.
	env = testEnv()
	wrong := metadata.ChangePassword{User: metadata.NamedID("bob"), CurrentPassword: "not-it", NewPassword: "bob-password-2"}
	env.Passwords = metadata.PrecomputePasswords(st, res.UserID, wrong, env)()
	if _, _, err := metadata.Prepare(st, res.UserID, wrong, env); err == nil {
		t.Fatal("wrong current password accepted")
	}
	right := metadata.ChangePassword{User: metadata.NamedID("bob"), CurrentPassword: "bob-password", NewPassword: "bob-password-2"}
	env.Passwords = metadata.PrecomputePasswords(st, res.UserID, right, env)()
	e, _, err = metadata.Prepare(st, res.UserID, right, env)
	if err != nil {
		t.Fatal(err)
	}
	if e.ChangePassword.PasswordHash != env.Passwords.Hashes["bob-password-2"] {
		t.Fatal("Prepare hashed the new password again")
	}
}
