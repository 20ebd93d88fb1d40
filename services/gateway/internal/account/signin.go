package account

// Signing in: by password, or by an e-mail someone else vouched for.

import (
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
)

// Authenticate checks an e-mail and password. Returns ErrBadCredentials
// for an unknown e-mail, a wrong password or a disabled user alike. The
// account is the one whose settled e-mail it is (signsInAs: an address
// left pending by a gateway that died is settled first, ADR 0212).
func (s *Service) Authenticate(email, password string) (*storev1.Account, error) {
	a := s.signsInAs(email)
	if a == nil || passwordLen(password) > MaxPasswordLen {
		if s.checked != nil {
			s.checked(true)
		}
		s.checkPassword(s.dummyHash, password)
		return nil, ErrBadCredentials
	}
	if s.checked != nil {
		s.checked(false)
	}
	if !s.checkPassword(a.GetPasswordHash(), password) || a.GetUser().GetDisabled() {
		return nil, ErrBadCredentials
	}
	return a, nil
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
