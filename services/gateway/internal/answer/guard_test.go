package answer

import (
	"strings"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestNonce_BoundToTheLinkAndExpires(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	n := nonces{key: []byte("k1"), now: clk.now}
	nonce := n.make("link-a")
	if !n.check("link-a", nonce) {
		t.Fatal("a fresh nonce for its own link is refused")
	}
	if n.check("link-b", nonce) {
		t.Error("a nonce is accepted for another link")
	}
	if (nonces{key: []byte("k2"), now: clk.now}).check("link-a", nonce) {
		t.Error("a nonce is accepted under another key")
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 32), nonce[:len(nonce)-1] + "A", "!!!!"} {
		if bad != nonce && n.check("link-a", bad) {
			t.Errorf("nonce %q accepted", bad)
		}
	}
	clk.t = clk.t.Add(nonceTTL - time.Minute)
	if !n.check("link-a", nonce) {
		t.Error("a nonce is refused before it expires")
	}
	clk.t = clk.t.Add(2 * time.Minute)
	if n.check("link-a", nonce) {
		t.Error("an expired nonce is accepted")
	}
}

func TestLimiter_PerAddressAndPerLink(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	l := newLimiter(Limits{AddrBurst: 5, AddrEvery: time.Second, TokenBurst: 2, TokenEvery: time.Minute}, clk.now)
	// One link: two tries, then refused, from any address.
	for i, addr := range []string{"192.0.2.1", "192.0.2.2"} {
		if ok, _ := l.allow(addr, "tok"); !ok {
			t.Fatalf("try %d refused", i+1)
		}
	}
	ok, retry := l.allow("192.0.2.3", "tok")
	if ok || retry <= 0 {
		t.Fatalf("third try on one link: ok=%v retry=%v, want refused with a wait", ok, retry)
	}
	// One address: five tries over many links, then refused; an IPv6
	// host cannot dodge by changing its interface id.
	for i := range 5 {
		if ok, _ := l.allow("2001:db8::"+string(rune('a'+i)), "t"+string(rune('a'+i))); !ok {
			t.Fatalf("address try %d refused", i+1)
		}
	}
	if ok, _ := l.allow("2001:db8::ff", "fresh"); ok {
		t.Error("sixth try from one /64 allowed")
	}
	clk.t = clk.t.Add(time.Minute)
	if ok, _ := l.allow("192.0.2.9", "tok"); !ok {
		t.Error("the link's bucket did not refill")
	}
}

func TestWellFormed(t *testing.T) {
	t.Parallel()
	for tok, want := range map[string]bool{
		"abc_DEF-123.x": true, "": false, strings.Repeat("a", maxTokenLen): true, strings.Repeat("a", maxTokenLen+1): false,
		"a/b": false, "a b": false, "ä": false, "a%2F": false, "<script>": false,
	} {
		if got := wellFormed(tok); got != want {
			t.Errorf("wellFormed(%q)=%v, want %v", tok, got, want)
		}
	}
}
