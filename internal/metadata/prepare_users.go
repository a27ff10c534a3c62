// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"fmt"
	"math"
)

func checkStatus(s uint8) error {
	if s != UserActive && s != UserInactive {
		return ErrInvalidCommand
	}
	return nil
}

func (p *preparer) hash(password string) (string, error) {
	if pw := p.env.Passwords; pw != nil {
		if h, ok := pw.Hashes[password]; ok {
			return h, nil
		}
	}
	h, err := HashPassword(password, p.env.Argon2, p.env.Rand)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// verify checks a password against a stored hash, using the verification
// done ahead of Prepare when it is for exactly this pair.
func (p *preparer) verify(password, hash string) bool {
	if pw := p.env.Passwords; pw != nil {
		if ok, found := pw.Verified[[2]string{password, hash}]; found {
			return ok
		}
	}
	return VerifyPassword(password, hash)
}

func (p *preparer) createUser(c CreateUser) (Entry, Result, error) {
	if err := checkName(c.Username); err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.manageUsers()); err != nil {
		return Entry{}, Result{}, err
	}
	if err := checkUsername(c.Username); err != nil {
		return Entry{}, Result{}, err
	}
	if err := checkPassword(c.Password); err != nil {
		return Entry{}, Result{}, err
	}
	if err := checkStatus(c.Status); err != nil {
		return Entry{}, Result{}, err
	}
	if p.st.UserByName(c.Username) != nil {
		return Entry{}, Result{}, ErrUserAlreadyExists
	}
	id := lowestFree(p.st.users)
	if id == math.MaxUint32 {
		return Entry{}, Result{}, ErrUsersLimitReached
	}
	h, err := p.hash(c.Password)
	if err != nil {
		return Entry{}, Result{}, err
	}
	op := &CreateUserOp{ID: id, Username: c.Username, PasswordHash: h, Status: c.Status,
		Permissions: NormalizePermissions(c.Permissions)}
	return Entry{Kind: EntryCreateUser, CreateUser: op}, Result{UserID: id}, nil
}

func (p *preparer) updateUser(c UpdateUser) (Entry, Result, error) {
	if c.Username != nil {
		if err := checkName(*c.Username); err != nil {
			return Entry{}, Result{}, err
		}
	}
	if err := p.allow(p.perms.manageUsers()); err != nil {
		return Entry{}, Result{}, err
	}
	if c.Username != nil {
		if err := checkUsername(*c.Username); err != nil {
			return Entry{}, Result{}, err
		}
	}
	if c.Status != nil {
		if err := checkStatus(*c.Status); err != nil {
			return Entry{}, Result{}, err
		}
	}
	id, err := p.st.ResolveUser(c.User)
	if err != nil {
		return Entry{}, Result{}, err
	}
	op := &UpdateUserOp{ID: id}
	if c.Username != nil {
		if other := p.st.UserByName(*c.Username); other != nil && other.ID != id {
			return Entry{}, Result{}, ErrUserAlreadyExists
		}
		name := *c.Username
		op.Username = &name
	}
	if c.Status != nil {
		s := *c.Status
		op.Status = &s
	}
	return Entry{Kind: EntryUpdateUser, UpdateUser: op}, Result{UserID: id}, nil
}

func (p *preparer) deleteUser(c DeleteUser) (Entry, Result, error) {
	if err := p.allow(p.perms.manageUsers()); err != nil {
		return Entry{}, Result{}, err
	}
	id, err := p.st.ResolveUser(c.User)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if id == RootUserID {
		return Entry{}, Result{}, ErrCannotDeleteUser
	}
	return Entry{Kind: EntryDeleteUser, DeleteUser: &UserOp{ID: id}}, Result{UserID: id}, nil
}

func (p *preparer) updatePermissions(c UpdatePermissions) (Entry, Result, error) {
	if err := p.allow(p.perms.manageUsers()); err != nil {
		return Entry{}, Result{}, err
	}
	id, err := p.st.ResolveUser(c.User)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if id == RootUserID {
		return Entry{}, Result{}, ErrCannotChangePermissions
	}
	op := &UpdatePermissionsOp{ID: id, Permissions: NormalizePermissions(c.Permissions)}
	return Entry{Kind: EntryUpdatePermissions, UpdatePermissions: op}, Result{UserID: id}, nil
}

// changePassword lets a user change its own password; changing another
// user's needs manage_users. The current password is always verified.
func (p *preparer) changePassword(c ChangePassword) (Entry, Result, error) {
	if err := checkPassword(c.CurrentPassword); err != nil {
		return Entry{}, Result{}, err
	}
	if err := checkPassword(c.NewPassword); err != nil {
		return Entry{}, Result{}, err
	}
	id, err := p.st.ResolveUser(c.User)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if id != p.actor {
		if err := p.allow(p.perms.manageUsers()); err != nil {
			return Entry{}, Result{}, err
		}
	}
	if !p.verify(c.CurrentPassword, p.st.User(id).PasswordHash) {
		return Entry{}, Result{}, ErrInvalidCredentials
	}
	h, err := p.hash(c.NewPassword)
	if err != nil {
		return Entry{}, Result{}, err
	}
	return Entry{Kind: EntryChangePassword, ChangePassword: &ChangePasswordOp{ID: id, PasswordHash: h}}, Result{UserID: id}, nil
}

func (p *preparer) createPAT(c CreatePersonalAccessToken) (Entry, Result, error) {
	if err := checkName(c.Name); err != nil {
		return Entry{}, Result{}, err
	}
	if len(c.Name) < MinPATNameLen || len(c.Name) > MaxPATNameLen {
		return Entry{}, Result{}, ErrInvalidPATName
	}
	u := p.st.User(p.actor)
	if u == nil {
		return Entry{}, Result{}, ErrResourceNotFound
	}
	limit := p.env.MaxPATsPerUser
	if limit <= 0 {
		limit = DefaultMaxPATsPerUser
	}
	if len(u.PATs) >= limit {
		return Entry{}, Result{}, ErrPATLimitReached
	}
	var token, hash string
	for {
		var err error
		if token, err = newToken(p.env.Rand); err != nil {
			return Entry{}, Result{}, err
		}
		hash = HashToken(token)
		if _, _, taken := p.st.PATByHash(hash); !taken {
			break
		}
	}
	for _, t := range u.PATs {
		if t.Name == c.Name {
			return Entry{}, Result{}, ErrPATAlreadyExists
		}
	}
	var expiryAt uint64
	if c.Expiry != 0 && c.Expiry != Never {
		expiryAt = p.env.Now + c.Expiry
		if expiryAt < p.env.Now { // overflow: as good as never
			expiryAt = Never
		}
	}
	op := &CreatePATOp{User: u.ID, PAT: PAT{Name: c.Name, Hash: hash, ExpiryAt: expiryAt}}
	return Entry{Kind: EntryCreatePAT, CreatePAT: op}, Result{UserID: u.ID, Token: token}, nil
}

func (p *preparer) deletePAT(c DeletePersonalAccessToken) (Entry, error) {
	if err := checkName(c.Name); err != nil {
		return Entry{}, err
	}
	u := p.st.User(p.actor)
	if u == nil {
		return Entry{}, ErrResourceNotFound
	}
	for _, t := range u.PATs {
		if t.Name == c.Name {
			return Entry{Kind: EntryDeletePAT, DeletePAT: &DeletePATOp{User: u.ID, Name: t.Name, Hash: t.Hash}}, nil
		}
	}
	return Entry{}, ErrResourceNotFound
}

func (p *preparer) bootstrapRoot(c BootstrapRoot) (Entry, Result, error) {
	if p.st.User(RootUserID) != nil {
		return Entry{}, Result{}, ErrRootExists
	}
	if err := checkUsername(c.Username); err != nil {
		return Entry{}, Result{}, err
	}
	if _, _, _, err := parsePHC(c.PasswordHash); err != nil {
		return Entry{}, Result{}, fmt.Errorf("bootstrap root: %w", err)
	}
	if p.st.UserByName(c.Username) != nil {
		return Entry{}, Result{}, ErrUserAlreadyExists
	}
	op := &CreateUserOp{ID: RootUserID, Username: c.Username, PasswordHash: c.PasswordHash,
		Status: UserActive, Permissions: RootPermissions()}
	return Entry{Kind: EntryBootstrapRoot, BootstrapRoot: op}, Result{UserID: RootUserID}, nil
}
