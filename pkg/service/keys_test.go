package service

import (
	"bytes"
	"crypto/ed25519"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
)

// TestBindPublicKeys: the bindings make up and keygen write are the grants pkg/auth
// gives the gateway and notify; an unbound entry (before ADR 0210) is
// bound to the gateway's, a bound one and a notify entry are kept.
func TestBindPublicKeys(t *testing.T) {
	t.Parallel()
	if GatewayBinding != auth.GatewayGrants().String() || NotifyBinding != auth.NotifyGrants().String() ||
		OperatorBinding != auth.OperatorGrants().String() {
		t.Fatalf("bindings %q, %q, %q; want %q, %q, %q", GatewayBinding, NotifyBinding, OperatorBinding,
			auth.GatewayGrants(), auth.NotifyGrants(), auth.OperatorGrants())
	}
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	n := auth.EncodePublicKey(k.Public().(ed25519.PublicKey))
	for _, tc := range []struct{ in, want string }{
		{"local=a", "local=a:users+service/gateway,notify=" + n + ":service/notify+service/notify-link"},
		{"local=a:users,k2=b", "local=a:users,k2=b:users+service/gateway,notify=" + n + ":service/notify+service/notify-link"},
		{"local=a:users,notify=c:service/notify", "local=a:users,notify=c:service/notify"},
	} {
		if got := BindPublicKeys(tc.in, k.Public().(ed25519.PublicKey)); got != tc.want {
			t.Errorf("BindPublicKeys(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestAddOperatorKey: keygen operator and make up add the operators' key
// bound to people's roles only, keep every other entry as it is (bound or
// not), and keep an operator entry already there; the result parses, and
// the operators' key signs no service (ADR 0217).
func TestAddOperatorKey(t *testing.T) {
	t.Parallel()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	o := auth.EncodePublicKey(k.Public().(ed25519.PublicKey))
	other, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a := auth.EncodePublicKey(other.Public().(ed25519.PublicKey))
	for _, tc := range []struct{ in, want string }{
		{"", "operator=" + o + ":users"},
		{"local=" + a, "local=" + a + ",operator=" + o + ":users"},
		{"local=" + a + ":users+service/gateway,notify=" + a + ":service/notify,",
			"local=" + a + ":users+service/gateway,notify=" + a + ":service/notify,operator=" + o + ":users"},
		{"local=" + a + ",operator=" + a + ":users", "local=" + a + ",operator=" + a + ":users"},
	} {
		got := AddOperatorKey(tc.in, k.Public().(ed25519.PublicKey))
		if got != tc.want {
			t.Errorf("AddOperatorKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
		keys, err := ParsePublicKeys(got)
		if err != nil {
			t.Errorf("AddOperatorKey(%q) does not parse: %v", tc.in, err)
			continue
		}
		if g := keys[OperatorKeyID].Grants; !g.Users || len(g.Services) != 0 || g.Unbound {
			t.Errorf("AddOperatorKey(%q): the operators' key may sign %v, want users only", tc.in, g)
		}
	}
}

// TestWarnUnbound: an entry of MP_PUBLIC_KEYS without a binding (the
// form before ADR 0210) still verifies any token, and the start-up log
// warns once per such key, by its id, never printing the key.
func TestWarnUnbound(t *testing.T) {
	t.Parallel()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := auth.EncodePublicKey(k.Public().(ed25519.PublicKey))
	keys, err := ParsePublicKeys("local=" + pub + ",notify=" + pub + ":service/notify")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	WarnUnbound(slog.New(slog.NewJSONHandler(&buf, nil)), keys)
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, `"key_id":"local"`) ||
		strings.Contains(out, pub) {
		t.Errorf("warning: %s; want one WARN line naming local, without the key", out)
	}
	tok, err := auth.NewSigner(k, "local", nil).Sign(auth.Claims{Subject: "u", Role: auth.RoleAdmin}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewBoundVerifier(keys, nil, 0).Verify(tok); err != nil {
		t.Errorf("an unbound key's admin token: %v, want accepted (one release)", err)
	}
}
