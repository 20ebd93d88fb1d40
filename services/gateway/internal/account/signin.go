package account

// Signing in: by password, or by an e-mail someone else vouched for.

import (
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
)

// Why a password sign-in was refused, for the audit log (ADR 0218). The
// caller is told ErrBadCredentials whatever the reason, but a disabled
// account's owner with the right password (ErrDisabled, ADR 0223).
const (
	// RefusedNoAccount: no account has the address. The entry names no
	// one and keeps no address: the person who typed it is no user.
	RefusedNoAccount = "no_account"
	// RefusedPassword: the account exists and the password is wrong.
	RefusedPassword = "wrong_password"
	// RefusedDisabled: the account is disabled, whatever the password
	// (the log does not say whether a disabled user's guess was right).
	RefusedDisabled = "user_disabled"
)

// Refusal says why Check refused a sign-in: the account the e-mail names
// (nil for an address no account has) and the reason, one of the
// Refused constants.
type Refusal struct {
	Account *storev1.Account
	Reason  string
}

// Authenticate checks an e-mail and password. Returns ErrBadCredentials
// for an unknown e-mail or a wrong password alike, a disabled user's
// included, and ErrDisabled for a disabled user's right password. The
// account is the one whose settled e-mail it is (signsInAs: an address
// left pending by a gateway that died is settled first, ADR 0212).
func (s *Service) Authenticate(email, password string) (*storev1.Account, error) {
	a, _, err := s.Check(email, password)
	return a, err
}

// Check is Authenticate that also says, when it refuses, which account
// the e-mail named and why, for the audit log; the caller's answer is
// ErrBadCredentials alike, but for ErrDisabled once the password checked
// out. The work is the same either way: an unknown
// e-mail checks the dummy hash.
func (s *Service) Check(email, password string) (*storev1.Account, Refusal, error) {
	a := s.signsInAs(email)
	if a == nil || passwordLen(password) > MaxPasswordLen {
		if s.checked != nil {
			s.checked(true)
		}
		s.checkPassword(s.dummyHash, password)
		if a == nil {
			return nil, Refusal{Reason: RefusedNoAccount}, ErrBadCredentials
		}
		return nil, refusal(a), ErrBadCredentials
	}
	if s.checked != nil {
		s.checked(false)
	}
	if ok := s.checkPassword(a.GetPasswordHash(), password); !ok {
		return nil, refusal(a), ErrBadCredentials
	}
	if a.GetUser().GetDisabled() {
		// The password is right: she may be told why (ADR 0223); the
		// audit entry says "user_disabled" as for a wrong one.
		return nil, refusal(a), ErrDisabled
	}
	return a, Refusal{}, nil
}

// refusal is the refusal of a sign-in as a: a disabled account is
// refused as disabled whether the password was right or not.
func refusal(a *storev1.Account) Refusal {
	if a.GetUser().GetDisabled() {
		return Refusal{Account: a, Reason: RefusedDisabled}
	}
	return Refusal{Account: a, Reason: RefusedPassword}
}

// ByEmail returns the enabled account whose e-mail is email, for a
// sign-in someone else vouched for (OIDC): the caller has already proved
// the e-mail, so there is no password to check. A disabled account is
// returned too, with ok false, so the caller can name it in the audit
// log.
func (s *Service) ByEmail(email string) (a *storev1.Account, ok bool) {
	if a = s.signsInAs(email); a == nil {
		return nil, false
	}
	return a, !a.GetUser().GetDisabled()
}
