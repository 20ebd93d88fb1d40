package service

import (
	"crypto/ed25519"
	"testing"

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
