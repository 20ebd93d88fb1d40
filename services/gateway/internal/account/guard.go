package account

import (
	"net"
	"sync"
	"time"
)

// Guard decides whether a sign-in attempt may be checked at all. It keeps
// password guessing slow without letting anyone lock an account's owner
// out (ADR 0048):
//
//   - per address, over all accounts: Burst*5 attempts, then one per
//     Every/5 (one address trying many accounts);
//   - per account and address: Burst attempts, then one per Every (one
//     address guessing one account; the owner's typos);
//   - per account, the wrong passwords from addresses the account has not
//     signed in from lately: Burst*3, then one per Every. Once they are
//     spent the account is under a spread-out attack, and each such
//     address gets one attempt per SlowEvery on it (the first at once):
//     the owner at a new address still gets in with the right password,
//     and an attacker's guesses are bounded by the addresses they hold.
//
// Addresses the account signed in from within TrustFor never meet the
// account-wide limit. Everything lives in the process, per replica (ADR
// 0017); a replica that has not seen the owner's address treats it as new,
// which still lets them in.
type Guard struct {
	byAddr, byPair, byAccount, slow *Limiter
	trustFor                        time.Duration
	now                             func() time.Time

	mu      sync.Mutex // guards trusted
	trusted map[string]map[string]time.Time
}

// Sign-in guard defaults.
const (
	// DefaultTrustFor is how long a successful sign-in vouches for its
	// address.
	DefaultTrustFor = 30 * 24 * time.Hour
	// maxTrusted bounds the addresses remembered per account.
	maxTrusted = 16
)

// NewGuard returns a Guard with burst attempts per account and address,
// then one per every; an account under a spread-out attack allows one
// attempt per address per every*45 (15 minutes at the 20 s default).
func NewGuard(burst int, every time.Duration, now func() time.Time) *Guard {
	return &Guard{
		byAddr:    NewLimiter(burst*5, every/5, now),
		byPair:    NewLimiter(burst, every, now),
		byAccount: NewLimiter(burst*3, every, now),
		slow:      NewLimiter(1, every*45, now),
		trustFor:  DefaultTrustFor,
		now:       now,
		trusted:   map[string]map[string]time.Time{},
	}
}

// AddrBucket names the rate-limit bucket of a client address: the address
// itself for IPv4, its /64 for IPv6, since one host holds a whole /64 and
// could otherwise take a fresh bucket per attempt.
func AddrBucket(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func pairKey(email, addr string) string { return normEmail(email) + "\x00" + AddrBucket(addr) }

// AllowAddr takes one attempt from the address's bucket, before anything
// names the account (single sign-on learns it from the provider).
func (g *Guard) AllowAddr(addr string) (ok bool, retry time.Duration) {
	return g.byAddr.Allow(AddrBucket(addr))
}

// AllowAccount takes one attempt at the account of email from addr: the
// pair's bucket, and the slow path when the account is under a spread-out
// attack and addr is not one it signed in from lately.
func (g *Guard) AllowAccount(addr, email string) (ok bool, retry time.Duration) {
	key := pairKey(email, addr)
	if ok, retry := g.byPair.Allow(key); !ok {
		return false, retry
	}
	if !g.Trusted(addr, email) && g.byAccount.Empty(normEmail(email)) {
		return g.slow.Allow(key)
	}
	return true, 0
}

// Allow is AllowAddr and AllowAccount together: both buckets are taken
// from, whatever either says, so a refused attempt still counts.
func (g *Guard) Allow(addr, email string) (ok bool, retry time.Duration) {
	okA, r1 := g.AllowAddr(addr)
	okB, r2 := g.AllowAccount(addr, email)
	return okA && okB, max(r1, r2)
}

// Failed records a wrong password for email from addr: it counts against
// the account's budget unless the account signed in from addr lately.
func (g *Guard) Failed(addr, email string) {
	if !g.Trusted(addr, email) {
		g.byAccount.Allow(normEmail(email))
	}
}

// Succeeded records a sign-in of email from addr, which then vouches for
// the address for TrustFor.
func (g *Guard) Succeeded(addr, email string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if len(g.trusted) >= maxBuckets {
		g.pruneTrusted(now)
	}
	acct := normEmail(email)
	m := g.trusted[acct]
	if m == nil {
		m = map[string]time.Time{}
		g.trusted[acct] = m
	}
	m[AddrBucket(addr)] = now
	for len(m) > maxTrusted {
		oldest := ""
		for a, t := range m {
			if oldest == "" || t.Before(m[oldest]) {
				oldest = a
			}
		}
		delete(m, oldest)
	}
}

// Trusted reports whether email signed in from addr within TrustFor.
func (g *Guard) Trusted(addr, email string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.trusted[normEmail(email)][AddrBucket(addr)]
	return ok && g.now().Sub(t) < g.trustFor
}

// pruneTrusted drops what is too old to vouch; if every entry is fresh,
// the whole memory goes (owners then take the slow path at worst).
func (g *Guard) pruneTrusted(now time.Time) {
	for acct, m := range g.trusted {
		for a, t := range m {
			if now.Sub(t) >= g.trustFor {
				delete(m, a)
			}
		}
		if len(m) == 0 {
			delete(g.trusted, acct)
		}
	}
	if len(g.trusted) >= maxBuckets {
		clear(g.trusted)
	}
}

// Empty reports whether key's bucket has no attempt left, without taking
// one.
func (l *Limiter) Empty(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return false
	}
	return min(float64(l.Burst), b.tokens+float64(l.now().Sub(b.last))/float64(l.Every)) < 1
}
