package service

import (
	"crypto/ed25519"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
)

// TestKnown: every service has its own port and name, and the variable
// named in Info is the one a standalone service reads (ConfigFromEnv).
func TestKnown(t *testing.T) {
	t.Parallel()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := "local=" + auth.EncodePublicKey(k.Public().(ed25519.PublicKey))
	want := map[string]string{"participants": "127.0.0.1:7001", "volunteers": "127.0.0.1:7002", "mentoring": "127.0.0.1:7003",
		"dinners": "127.0.0.1:7004", "guides": "127.0.0.1:7005", "notify": "127.0.0.1:7006"}
	seen := map[string]bool{}
	for _, s := range Known() {
		if want[s.Name] != s.Addr {
			t.Errorf("%s: default %q, want %q", s.Name, s.Addr, want[s.Name])
		}
		if seen[s.Addr] || seen[s.Env] || s.API == "" {
			t.Errorf("%s: address or variable used twice, or no API: %+v", s.Name, s)
		}
		seen[s.Addr], seen[s.Env] = true, true
		env := map[string]string{"MP_PUBLIC_KEYS": pub, s.Env: "0.0.0.0:9999"}
		c, err := ConfigFromEnv(s.Name, s.Addr, func(k string) string { return env[k] })
		if err != nil || c.Addr != "0.0.0.0:9999" {
			t.Errorf("%s: ConfigFromEnv with %s set gives %q (%v)", s.Name, s.Env, c.Addr, err)
		}
		if got := s.AddrFrom(func(k string) string { return env[k] }); got != "0.0.0.0:9999" {
			t.Errorf("%s: AddrFrom = %q, want the variable's value", s.Name, got)
		}
		if got := s.AddrFrom(func(string) string { return "" }); got != s.Addr {
			t.Errorf("%s: AddrFrom without the variable = %q, want %q", s.Name, got, s.Addr)
		}
	}
	if len(seen) != 2*len(want) {
		t.Errorf("Known() lists %d services, want %d", len(seen)/2, len(want))
	}
}
