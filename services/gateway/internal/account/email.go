package account

// The e-mail as the index and the create's reservation hold it (ADR 0201).

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// maxEmailRounds bounds how many accounts of one e-mail may be created
// and deleted within the reservations' day (CreateUser).
const maxEmailRounds = 20

// emailTerm is what the e-mail index and the create's reservation hold of
// an e-mail: with a keyring, HMAC-SHA256 under the accounts' index key
// (base64url, 16 bytes), so neither the reservation in the requests
// bucket nor the memory index holds the address, and a guessed address
// cannot be tested against a copy of the disk; without one, the address.
func (s *Service) emailTerm(e string) string {
	e = normEmail(e)
	if s.emailKey == nil {
		return e
	}
	m := hmac.New(sha256.New, s.emailKey)
	m.Write([]byte(e))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
