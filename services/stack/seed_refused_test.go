package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSeedSaysWhyItIsRefused: make seed against a stack that refused its
// token, or with no stack listening, ended in gRPC's own words
// (`organisation "Röda Korset Kalmar": rpc error: code = Unauthenticated
// desc = missing or invalid token`), naming neither the key it signed
// with nor where that came from: a shell that held an .env's
// MP_SIGNING_KEY signs with it before ./data/operator.key, and the
// newcomer was left with "invalid token" (found from outside, ADR 0223).
// The seed now says which key it signed with and what to do, and which
// address answered nothing and what starts it; never the key itself.
func TestSeedSaysWhyItIsRefused(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, _, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.DinnersAddr = l.Addr("participants"), l.Addr("volunteers"), l.Addr("dinners")
	ctx := testutil.Context(t)
	stranger, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	strangerText := auth.EncodePrivateKey(stranger)
	seedErr := func(name string, c Config, want ...string) {
		t.Helper()
		var out bytes.Buffer
		err := seed(ctx, c, []string{"-participants", "2", "-volunteers", "2", "-workers", "1", "-nats", ""}, &out)
		if err == nil {
			t.Errorf("%s: the seed was taken", name)
			return
		}
		msg := err.Error()
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not say %q", name, msg, w)
			}
		}
		for _, bad := range []string{"rpc error", "desc =", strangerText} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: %q holds %q", name, msg, bad)
			}
		}
	}

	gatewayOfAnother := cfg
	gatewayOfAnother.SigningKey, gatewayOfAnother.SigningKeyID = strangerText, localKeyID
	seedErr("an .env's MP_SIGNING_KEY in the shell", gatewayOfAnother,
		"refused", "MP_SIGNING_KEY", "key id "+localKeyID, cfg.OperatorKeyPath(), "unset MP_SIGNING_KEY")

	operatorOfAnother := cfg
	operatorOfAnother.OperatorSigningKey = strangerText
	seedErr("another system's MP_OPERATOR_SIGNING_KEY", operatorOfAnother,
		"refused", "MP_OPERATOR_SIGNING_KEY", "key id "+cfg.OperatorKeyID, "MP_PUBLIC_KEYS")

	nobody := cfg
	nobody.VolunteersAddr = fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	seedErr("no stack at VOLUNTEERS_ADDR", nobody, nobody.VolunteersAddr, "VOLUNTEERS_ADDR", "make run")
}
