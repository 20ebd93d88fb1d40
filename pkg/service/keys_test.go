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
	if GatewayBinding != auth.GatewayGrants().String() || NotifyBinding != auth.NotifyGrants().String() {
		t.Fatalf("bindings %q, %q; want %q, %q", GatewayBinding, NotifyBinding, auth.GatewayGrants(), auth.NotifyGrants())
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
