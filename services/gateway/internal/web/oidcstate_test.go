package web

import (
	"log/slog"
	"testing"
	"time"
)

// TestOIDCStateOneSpelling: the sign-in state cookie changed in any one
// character is refused, its signature's last character's spare bits
// included (32 bytes in 43 characters: a lenient decoder read four
// spellings as one; ADR 0195).
func TestOIDCStateOneSpelling(t *testing.T) {
	t.Parallel()
	c := newOIDCClient(OIDC{StateKey: []byte("0123456789abcdef0123456789abcdef"), Now: func() time.Time { return time.Unix(1e9, 0) }}, slog.Default())
	v := c.encodeState(oidcState{State: "s", Nonce: "n", Verifier: "v", Expires: 2e9})
	if _, ok := c.decodeState(v); !ok {
		t.Fatalf("the state as made is refused: %q", v)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(v) {
		for _, ch := range []byte(alphabet + ".") {
			if ch == v[i] {
				continue
			}
			b := []byte(v)
			b[i] = ch
			if s, ok := c.decodeState(string(b)); ok {
				t.Fatalf("%q with character %d changed to %q: accepted as %+v", v, i, ch, s)
			}
		}
	}
}
