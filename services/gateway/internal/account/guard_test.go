package account

import (
	"strconv"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestGuardOwnerNotLockedOut: wrong passwords from other addresses can
// spend an account's budget, but the owner's trusted address is never
// limited by it, and a new address still gets a (slower) attempt.
func TestGuardOwnerNotLockedOut(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewGuard(3, 20*time.Second, clk.now)
	const owner = "anna@example.org"
	g.Succeeded("203.0.113.5", owner)
	// 9 wrong passwords from 9 addresses spend the account's budget.
	for i := range 9 {
		addr := "198.51.100." + strconv.Itoa(i+1)
		if ok, _ := g.Allow(addr, owner); !ok {
			t.Fatalf("attempt %d from a fresh address refused before the budget was spent", i)
		}
		g.Failed(addr, owner)
	}
	if !g.byAccount.Empty(owner) {
		t.Fatal("the account's budget is not spent after 9 failures")
	}
	// A tenth address gets one attempt, then waits the slow period.
	if ok, _ := g.Allow("198.51.100.100", owner); !ok {
		t.Fatal("first attempt from a new address under attack refused")
	}
	g.Failed("198.51.100.100", owner)
	ok, retry := g.Allow("198.51.100.100", owner)
	if ok || retry < 10*time.Minute {
		t.Fatalf("second attempt from that address: ok=%v retry %v, want a wait of about 15m", ok, retry)
	}
	// The owner's address is not slowed.
	for i := range 3 {
		if ok, _ := g.Allow("203.0.113.5", owner); !ok {
			t.Fatalf("owner's attempt %d from their address refused", i)
		}
	}
	// The owner's own burst still applies to them.
	if ok, _ := g.Allow("203.0.113.5", owner); ok {
		t.Fatal("a fourth attempt from one address within the period was allowed")
	}
	// An IPv6 owner at a new host of a /64 the account knows is trusted.
	g.Succeeded("2001:db8:1:2::1", owner)
	if !g.Trusted("[2001:db8:1:2::99]:443", owner) {
		t.Fatal("another host in a trusted /64 is not trusted")
	}
	// Trust ends.
	clk.t = clk.t.Add(DefaultTrustFor + time.Hour)
	if g.Trusted("203.0.113.5", owner) {
		t.Fatal("trust outlived TrustFor")
	}
}

// TestGuardRemembersFewAddresses: an account keeps at most maxTrusted
// addresses, dropping the oldest.
func TestGuardRemembersFewAddresses(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewGuard(3, 20*time.Second, clk.now)
	for i := range maxTrusted + 4 {
		clk.t = clk.t.Add(time.Second)
		g.Succeeded("192.0.2."+strconv.Itoa(i+1), "a@example.org")
	}
	if g.Trusted("192.0.2.1", "a@example.org") {
		t.Error("the oldest address is still trusted")
	}
	if !g.Trusted("192.0.2."+strconv.Itoa(maxTrusted+4), "a@example.org") {
		t.Error("the newest address is not trusted")
	}
}
