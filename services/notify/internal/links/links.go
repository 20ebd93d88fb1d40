// Package links makes and checks the answer links' tokens: opaque,
// unguessable, signed, and stored only as a hash. A token names nothing by
// itself (no person, proposal or language in it), so a link that leaks
// through a forwarded message, a proxy log or a browser history tells no
// one anything; what it is worth is decided by the stored link it hashes to.
package links

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the HMAC key's size in bytes.
const KeySize = 32

// MaxTokenLen bounds a token before any decoding (the real ones are 43).
const MaxTokenLen = 200

const (
	idSize  = 16 // random bytes naming the link
	macSize = 16 // truncated HMAC-SHA256: 128 bits is beyond guessing
)

// b64 decodes strictly: the last of a token's 43 characters carries two
// bits that are no data, and a lenient decoder took the four spellings
// that differ there as one link (ADR 0195). Tokens this service issued
// all have those bits clear, so every link sent still works.
var b64 = base64.RawURLEncoding.Strict()

// tokenLen is the length of every token New issues: 43 characters.
var tokenLen = b64.EncodedLen(idSize + macSize)

// Keys signs and checks tokens. The zero value is not usable; see NewKeys.
type Keys struct{ key []byte }

// NewKeys returns Keys over an HMAC key of KeySize bytes.
func NewKeys(key []byte) (*Keys, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("links: the key must be %d bytes, got %d", KeySize, len(key))
	}
	return &Keys{key: append([]byte(nil), key...)}, nil
}

// ParseKey decodes a base64 (standard or URL, padded or not) key, the form
// of MP_LINK_KEY.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("links: the key must be base64 of %d bytes", KeySize)
}

// LoadOrCreateKeyFile reads the base64 key in path, or creates it (0600,
// like data/data.key) when absent, so the embedded stack's links keep
// working across restarts without configuration.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		return ParseKey(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("links: read %s: %w", path, err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("links: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process made it first
			return LoadOrCreateKeyFile(path)
		}
		return nil, fmt.Errorf("links: create %s: %w", path, err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("links: write %s: %w", path, err)
	}
	return key, nil
}

// New returns a fresh token and the id to store it under (the hash of its
// random part).
func (k *Keys) New() (token, storeID string, err error) {
	id := make([]byte, idSize)
	if _, err := rand.Read(id); err != nil {
		return "", "", err
	}
	return b64.EncodeToString(append(id, k.mac(id)...)), hashID(id), nil
}

// Check verifies a token's signature and returns the id it is stored
// under; ok is false for anything this service did not issue (tampered,
// truncated, too long, not base64). It costs one HMAC and never panics.
func (k *Keys) Check(token string) (storeID string, ok bool) {
	// Only the length Keys issues: Go's base64 decoders skip '\r' and
	// '\n' anywhere, so a token with a line break inside would be a
	// second spelling of the link (ADR 0195, 0213).
	if len(token) != tokenLen {
		return "", false
	}
	raw, err := b64.DecodeString(token)
	if err != nil || len(raw) != idSize+macSize {
		return "", false
	}
	id, mac := raw[:idSize], raw[idSize:]
	if !hmac.Equal(mac, k.mac(id)) {
		return "", false
	}
	return hashID(id), true
}

func (k *Keys) mac(id []byte) []byte {
	h := hmac.New(sha256.New, k.key)
	h.Write([]byte("motesplats/link/v1\x00"))
	h.Write(id)
	return h.Sum(nil)[:macSize]
}

// hashID is what the store keeps: a reader of the bucket cannot rebuild a
// working link from it.
func hashID(id []byte) string {
	sum := sha256.Sum256(id)
	return hex.EncodeToString(sum[:])
}
