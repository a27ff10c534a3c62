// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/zeebo/blake3"
	"golang.org/x/crypto/argon2"
)

// Argon2Params is the cost of an argon2id password hash.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is m=19456 KiB, t=2, p=1 (the RustCrypto argon2 default Iggy
// uses, and OWASP's first recommendation): about 33 ms per hash or
// verification on one core of the development machine, within the ≤ 50 ms
// budget of a login on a shard.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19456, Time: 2, Threads: 1}

const (
	argon2SaltLen = 16
	argon2KeyLen  = 32
	// Bounds on parameters read back from a stored hash, so a damaged or
	// hostile hash cannot make one verification allocate gigabytes.
	maxArgon2MemoryKiB = 1 << 20
	maxArgon2Time      = 16
)

var errBadHash = errors.New("metadata: malformed password hash")

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id PHC string of password with a random salt
// from rnd (nil = crypto/rand), e.g. "$argon2id$v=19$m=19456,t=2,p=1$salt$hash".
// A zero params means DefaultArgon2.
func HashPassword(password string, params Argon2Params, rnd io.Reader) (string, error) {
	if params == (Argon2Params{}) {
		params = DefaultArgon2
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	salt := make([]byte, argon2SaltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("read password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, params.Time, params.MemoryKiB, params.Threads, argon2KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, params.MemoryKiB, params.Time, params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string hash. A
// malformed hash never matches.
func VerifyPassword(password, hash string) bool {
	params, salt, key, err := parsePHC(hash)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, params.Time, params.MemoryKiB, params.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// parsePHC reads "$argon2id$v=19$m=M,t=T,p=P$salt$key".
func parsePHC(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return p, nil, nil, errBadHash
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errBadHash
		}
		switch k {
		case "m":
			p.MemoryKiB = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, errBadHash
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, errBadHash
		}
	}
	if p.Time == 0 || p.Time > maxArgon2Time || p.Threads == 0 ||
		p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxArgon2MemoryKiB {
		return p, nil, nil, errBadHash
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// HashToken returns the BLAKE3 hex digest under which a PAT is stored.
func HashToken(token string) string {
	sum := blake3.Sum256([]byte(token))
	return fmt.Sprintf("%x", sum[:])
}

// newToken returns a raw PAT: standard padded base64 of 50 random bytes
// (68 characters), as Iggy generates.
func newToken(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	raw := make([]byte, patRawLen)
	if _, err := io.ReadFull(rnd, raw); err != nil {
		return "", fmt.Errorf("read token bytes: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// Authenticate checks a LoginUser request and returns the user id. In Iggy's
// order: ErrInvalidUsername (43) and ErrInvalidPassword (44) for lengths
// outside 3..50 and 3..100; ErrInvalidCredentials (42) for an unknown user;
// ErrUserInactive (47) for an inactive one; ErrInvalidCredentials for a wrong
// password. It costs one argon2id verification (see DefaultArgon2).
func (st *State) Authenticate(username, password string) (uint32, error) {
	return CheckPassword(username, password, st.Credential(username))
}

// Credential is what checking a password login needs from the state, copied
// out so the slow password hash can run without holding the caller's lock.
type Credential struct {
	UserID uint32
	Hash   string
	Active bool
	Found  bool
}

// Credential returns the login credential of username (Found false when there
// is no such user).
func (st *State) Credential(username string) Credential {
	u := st.UserByName(username)
	if u == nil {
		return Credential{}
	}
	return Credential{UserID: u.ID, Hash: u.PasswordHash, Active: u.Status == UserActive, Found: true}
}

// CheckPassword finishes a password login against a Credential, with the
// checks and codes of Authenticate. The password is hashed in every case that
// gets past the length checks — against a fixed dummy hash for an unknown
// user — so the answer's timing does not tell which usernames exist.
func CheckPassword(username, password string, c Credential) (uint32, error) {
	if err := checkUsername(username); err != nil {
		return 0, err
	}
	if err := checkPassword(password); err != nil {
		return 0, err
	}
	hash := c.Hash
	if !c.Found {
		hash = dummyHash()
	}
	ok := VerifyPassword(password, hash)
	switch {
	case !c.Found:
		return 0, ErrInvalidCredentials
	case !c.Active:
		return 0, ErrUserInactive
	case !ok:
		return 0, ErrInvalidCredentials
	}
	return c.UserID, nil
}

var (
	dummyOnce sync.Once
	dummy     string
)

// dummyHash is a hash of a random password with the default cost, verified
// for unknown users.
func dummyHash() string {
	dummyOnce.Do(func() {
		var b [16]byte
		rand.Read(b[:])
		dummy, _ = HashPassword(string(b[:]), DefaultArgon2, nil)
	})
	return dummy
}

// AuthenticateToken checks a LoginWithPersonalAccessToken request at now
// (µs) and returns the user id: ErrResourceNotFound (20) for an unknown token,
// ErrPATExpired (54) for an expired one, ErrUserInactive (47) when its user is
// inactive.
func (st *State) AuthenticateToken(token string, now uint64) (uint32, error) {
	pat, user, ok := st.PATByHash(HashToken(token))
	if !ok {
		return 0, ErrResourceNotFound
	}
	if pat.Expired(now) {
		return 0, ErrPATExpired
	}
	if u := st.User(user); u == nil || u.Status != UserActive {
		return 0, ErrUserInactive
	}
	return user, nil
}

func checkUsername(s string) error {
	if len(s) < MinUsernameLen || len(s) > MaxUsernameLen {
		return ErrInvalidUsername
	}
	return nil
}

func checkPassword(s string) error {
	if len(s) < MinPasswordLen || len(s) > MaxPasswordLen {
		return ErrInvalidPassword
	}
	return nil
}

func checkName(s string) error {
	if len(s) < 1 || len(s) > MaxNameLen {
		return ErrInvalidFormat
	}
	return nil
}
