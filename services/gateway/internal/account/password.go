package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/motesplats/motesplats/pkg/apperr"
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum recommendation (19 MiB, two passes,
// one lane). A hash costs tens of milliseconds, which is what slows a
// password guesser; hashSlots bounds how many run at once so a burst of
// sign-ins cannot take the process's memory.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
	hashSlots    = 4
)

// HashCost is the Argon2id cost of the password hashes a Service makes:
// memory in KiB and passes over it. The zero value is the cost above,
// which every deployment uses. Tests that start many gateways lower it:
// one hash at this cost takes 0.7 s of CPU under the race detector, and
// a test signs in and creates users several times (ADR 0163). A hash
// records its own cost, so checking one never depends on this.
type HashCost struct {
	MemoryKiB, Passes uint32
}

// orDefault returns c, or the deployment cost when c is zero.
func (c HashCost) orDefault() HashCost {
	if c.MemoryKiB == 0 || c.Passes == 0 {
		return HashCost{argonMemory, argonTime}
	}
	return c
}

// Password length bounds. The upper one keeps hashing cost bounded.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password's argon2id hash.
func (s *Service) hashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	s.slots <- struct{}{}
	cost := s.cfg.HashCost
	key := argon2.IDKey([]byte(password), salt, cost.Passes, cost.MemoryKiB, argonThreads, argonKeyLen)
	<-s.slots
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, cost.MemoryKiB, cost.Passes, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches the PHC string, in time
// independent of where the two differ.
func (s *Service) checkPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256*1024 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if errors.Join(err1, err2) != nil || len(want) == 0 {
		return false
	}
	s.slots <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	<-s.slots
	return subtle.ConstantTimeCompare(got, want) == 1
}

func validatePassword(v *apperr.Validator, field, p string) {
	if n := passwordLen(p); n < MinPasswordLen || n > MaxPasswordLen {
		v.Add(field, fmt.Sprintf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen))
	}
}

// passwordLen is the length the password limits count, in characters
// (runes) everywhere, so a password that may be set may also be used.
func passwordLen(p string) int { return utf8.RuneCountInString(p) }
