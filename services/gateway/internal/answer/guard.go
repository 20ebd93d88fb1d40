package answer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// Limits bound how often the answer page may be asked about links. The
// link is the only proof a visitor holds, so guessing links, or hammering
// one that leaked, must be slow. Each replica limits on its own (ADR 0017):
// the rate multiplies by the replica count, with no shared state.
type Limits struct {
	// AddrBurst requests at once from one client address (an IPv6 /64
	// counts as one), then one every AddrEvery.
	AddrBurst int
	AddrEvery time.Duration
	// TokenBurst requests at once for one link, from anywhere, then one
	// every TokenEvery.
	TokenBurst int
	TokenEvery time.Duration
}

// DefaultLimits let a person open, reload and answer their link a few
// times, and a household behind one address answer several links, while a
// guesser gets one try every two seconds.
var DefaultLimits = Limits{AddrBurst: 30, AddrEvery: 2 * time.Second, TokenBurst: 10, TokenEvery: 30 * time.Second}

// limiter applies Limits.
type limiter struct {
	addr, token *account.Limiter
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	return &limiter{
		addr:  account.NewLimiter(l.AddrBurst, l.AddrEvery, now),
		token: account.NewLimiter(l.TokenBurst, l.TokenEvery, now),
	}
}

// allow takes one request from the address's and the link's buckets. The
// link's bucket is keyed by a hash, so the limiter's memory never holds a
// usable link.
func (l *limiter) allow(addr, token string) (bool, time.Duration) {
	if ok, retry := l.addr.Allow(account.AddrBucket(addr)); !ok {
		return false, retry
	}
	sum := sha256.Sum256([]byte(token))
	return l.token.Allow(string(sum[:16]))
}

// nonceTTL is how long an answer form stays good: long enough to read the
// offer and think, short enough that an old copy of the page cannot post.
const nonceTTL = 2 * time.Hour

// nonces make and check the answer form's anti-forgery field. A nonce is
// an expiry and a MAC over it and the link, so it is good for that link
// only and for a while only, and any replica that shares the key can
// check it without state: another site cannot make a visitor's browser
// answer (it would need the link, and a nonce for it).
type nonces struct {
	key []byte
	now func() time.Time
}

// make returns a nonce for token, good for nonceTTL.
func (n nonces) make(token string) string {
	var exp [8]byte
	binary.BigEndian.PutUint64(exp[:], uint64(n.now().Add(nonceTTL).Unix()))
	return base64.RawURLEncoding.EncodeToString(append(exp[:], n.mac(token, exp[:])...))
}

// check reports whether nonce was made for token and has not expired.
func (n nonces) check(token, nonce string) bool {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 8+16 {
		return false
	}
	if int64(binary.BigEndian.Uint64(b[:8])) < n.now().Unix() {
		return false
	}
	return hmac.Equal(b[8:], n.mac(token, b[:8]))
}

func (n nonces) mac(token string, exp []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte("motesplats answer form\x00"))
	m.Write(exp)
	m.Write([]byte(token))
	return m.Sum(nil)[:16]
}
