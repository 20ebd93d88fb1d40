package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxTokenSize bounds a token in bytes. A full coordinator token is a few
// hundred bytes; anything longer is refused before decoding, so a hostile
// header costs no parsing.
const MaxTokenSize = 4096

const version = "v1"

// The errors Verify returns, possibly wrapped; test with errors.Is. They
// never repeat the token's contents.
var (
	// ErrMalformed: not a v1 token, too large, bad encoding or invalid claims.
	ErrMalformed = errors.New("auth: malformed token")
	// ErrUnknownKey: signed with a key id this verifier does not hold.
	ErrUnknownKey = errors.New("auth: unknown signing key")
	// ErrBadSignature: the signature does not match the header and claims.
	ErrBadSignature = errors.New("auth: bad token signature")
	// ErrExpired: the token's expiry (plus leeway) has passed.
	ErrExpired = errors.New("auth: token expired")
	// ErrNotYetValid: the token was issued in the future (beyond leeway).
	ErrNotYetValid = errors.New("auth: token not yet valid")
	// ErrNotGranted: the key that signed the token may not sign its claims
	// (Grants): a service's key with a user's role, or another service's
	// subject. Callers get the words of any bad token.
	ErrNotGranted = errors.New("auth: claims beyond the signing key's grants")
)

// b64 is unpadded base64url in strict mode, so one signature or payload has
// exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// payload is the JSON form of Claims; short names keep tokens small.
type payload struct {
	Sub  string   `json:"sub"`
	Role Role     `json:"role"`
	Org  string   `json:"org,omitempty"`
	Mun  []string `json:"mun,omitempty"`
	Iat  int64    `json:"iat"`
	Exp  int64    `json:"exp"`
	Iss  string   `json:"iss,omitempty"`
}

// validKeyID reports whether id can sit between the dots of a token: 1 to
// 64 characters of the base64url alphabet.
func validKeyID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// Signer mints tokens with one private key. It is safe for concurrent use.
type Signer struct {
	key   ed25519.PrivateKey
	keyID string
	now   func() time.Time
}

// NewSigner returns a Signer that signs with key and names it keyID in
// each token (use KeyID(pub) for a stable id). now is the clock; nil means
// time.Now. A bad key or key id is reported by Sign.
func NewSigner(key ed25519.PrivateKey, keyID string, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, keyID: keyID, now: now}
}

// KeyID returns the id of the signer's key, for configuring verifiers.
func (s *Signer) KeyID() string { return s.keyID }

// Sign returns a token for c that is valid for ttl from now. It sets
// c.IssuedAt and c.Expiry (whole seconds, expiry rounded up) and refuses
// claims that do not Validate.
func (s *Signer) Sign(c Claims, ttl time.Duration) (string, error) {
	if len(s.key) != ed25519.PrivateKeySize {
		return "", errors.New("auth: signer has no valid Ed25519 private key")
	}
	if !validKeyID(s.keyID) {
		return "", fmt.Errorf("auth: key id must be 1-64 characters of [A-Za-z0-9_-]")
	}
	if ttl <= 0 {
		return "", fmt.Errorf("auth: ttl %v is not positive", ttl)
	}
	now := s.now()
	c.IssuedAt = time.Unix(now.Unix(), 0).UTC()
	exp := now.Add(ttl)
	c.Expiry = time.Unix(exp.Unix(), 0).UTC()
	if c.Expiry.Before(exp) {
		c.Expiry = c.Expiry.Add(time.Second)
	}
	if err := c.Validate(); err != nil {
		return "", err
	}
	body, err := json.Marshal(payload{
		Sub: c.Subject, Role: c.Role, Org: c.Organisation, Mun: c.Municipalities,
		Iat: c.IssuedAt.Unix(), Exp: c.Expiry.Unix(), Iss: c.Issuer,
	})
	if err != nil {
		return "", fmt.Errorf("auth: encode claims: %w", err)
	}
	signed := version + "." + s.keyID + "." + b64.EncodeToString(body)
	tok := signed + "." + b64.EncodeToString(ed25519.Sign(s.key, []byte(signed)))
	if len(tok) > MaxTokenSize {
		return "", fmt.Errorf("auth: token of %d bytes exceeds %d", len(tok), MaxTokenSize)
	}
	return tok, nil
}

// verifiedCacheSize bounds the tokens a Verifier remembers. A service sees
// few distinct tokens at a time (one per signed-in coordinator and calling
// service, each reused until renewal), so this holds them all.
const verifiedCacheSize = 4096

// Verifier checks tokens against a set of public keys. It is safe for
// concurrent use.
//
// An Ed25519 check costs tens of microseconds, as much as a whole loopback
// RPC, and callers reuse a token for minutes, so a Verifier remembers the
// claims of tokens whose signature it has checked, keyed by the exact token
// string, and checks only their times on later calls.
type Verifier struct {
	keys   map[string]BoundKey
	now    func() time.Time
	leeway time.Duration

	mu       sync.Mutex // guards verified
	verified map[string]Claims
}

// NewVerifier returns a Verifier that accepts tokens signed by any of keys,
// by key id, whatever their claims (AnyClaims: the form before keys were
// bound, kept for tests and one release; production verifiers use
// NewBoundVerifier). Holding the old and the new key during a rotation
// lets tokens of both verify. leeway absorbs clock skew between services
// (a few seconds); now nil means time.Now.
func NewVerifier(keys map[string]ed25519.PublicKey, now func() time.Time, leeway time.Duration) *Verifier {
	bound := make(map[string]BoundKey, len(keys))
	for id, k := range keys {
		bound[id] = BoundKey{Key: k, Grants: AnyClaims}
	}
	return NewBoundVerifier(bound, now, leeway)
}

// NewBoundVerifier is NewVerifier for keys bound to what each may sign:
// a token whose claims its key's Grants do not allow is refused
// (ErrNotGranted), so one signer's key cannot speak for another signer
// or for a person (ADR 0210).
func NewBoundVerifier(keys map[string]BoundKey, now func() time.Time, leeway time.Duration) *Verifier {
	if now == nil {
		now = time.Now
	}
	own := make(map[string]BoundKey, len(keys))
	for id, k := range keys {
		k.Grants.Services = slices.Clone(k.Grants.Services)
		own[id] = k
	}
	return &Verifier{keys: own, now: now, leeway: leeway, verified: make(map[string]Claims)}
}

// Verify checks token and returns its claims. It returns, wrapped,
// ErrMalformed, ErrUnknownKey, ErrBadSignature, ErrNotGranted, ErrExpired
// or ErrNotYetValid. The signature is checked before the claims are decoded,
// so unsigned input never reaches the JSON decoder; a token verified before
// only has its times checked again.
func (v *Verifier) Verify(token string) (Claims, error) {
	v.mu.Lock()
	c, ok := v.verified[token]
	v.mu.Unlock()
	if !ok {
		var err error
		if c, err = v.check(token); err != nil {
			return Claims{}, err
		}
		v.remember(token, c)
	}
	now := v.now()
	if now.Add(v.leeway).Before(c.IssuedAt) {
		return Claims{}, ErrNotYetValid
	}
	if !now.Add(-v.leeway).Before(c.Expiry) {
		return Claims{}, ErrExpired
	}
	// The caller gets its own slice, so it cannot change what is cached.
	c.Municipalities = slices.Clone(c.Municipalities)
	return c, nil
}

// remember caches the claims of a token with a good signature. When full
// it drops an arbitrary entry (Go's map order is random), which costs one
// extra signature check later at worst.
func (v *Verifier) remember(token string, c Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.verified) >= verifiedCacheSize {
		for k := range v.verified {
			delete(v.verified, k)
			break
		}
	}
	v.verified[token] = c
}

// check verifies the signature of token and decodes its claims; the
// times are Verify's to check.
func (v *Verifier) check(token string) (Claims, error) {
	if len(token) > MaxTokenSize {
		return Claims{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenSize)
	}
	parts := strings.SplitN(token, ".", 5)
	if len(parts) != 4 || parts[0] != version {
		return Claims{}, fmt.Errorf("%w: not a %s token", ErrMalformed, version)
	}
	kid, body, sig := parts[1], parts[2], parts[3]
	bound, ok := v.keys[kid]
	key := bound.Key
	if !ok || len(key) != ed25519.PublicKeySize {
		return Claims{}, ErrUnknownKey
	}
	rawSig, err := b64.DecodeString(sig)
	if err != nil || len(rawSig) != ed25519.SignatureSize {
		return Claims{}, fmt.Errorf("%w: signature encoding", ErrMalformed)
	}
	if !ed25519.Verify(key, []byte(token[:len(token)-len(sig)-1]), rawSig) {
		return Claims{}, ErrBadSignature
	}
	raw, err := b64.DecodeString(body)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload encoding", ErrMalformed)
	}
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return Claims{}, fmt.Errorf("%w: payload", ErrMalformed)
	}
	c := Claims{
		Subject: p.Sub, Role: p.Role, Organisation: p.Org, Municipalities: p.Mun,
		IssuedAt: time.Unix(p.Iat, 0).UTC(), Expiry: time.Unix(p.Exp, 0).UTC(), Issuer: p.Iss,
	}
	if err := c.Validate(); err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	// Checked before the token is remembered: a refused token is checked
	// again, in full, every time it comes.
	if !bound.Grants.Allows(c) {
		return Claims{}, ErrNotGranted
	}
	return c, nil
}
