package account

import (
	"strings"
	"testing"
)

// TestDeploymentHashCost: a Service configured without a hash cost, as
// every deployment is, hashes at OWASP's minimum (19 MiB, two passes);
// the gateway's tests lower the cost (ADR 0163), and a hash made at
// either cost is checked by a Service of the other, since a hash records
// its own.
func TestDeploymentHashCost(t *testing.T) {
	t.Parallel()
	service := func(c HashCost) *Service {
		return &Service{cfg: Config{HashCost: c.orDefault()}, slots: make(chan struct{}, 1)}
	}
	deployed, cheap := service(HashCost{}), service(HashCost{MemoryKiB: 64, Passes: 1})
	phc, err := deployed.hashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("a deployment's hash is %q, want argon2id at m=19456,t=2,p=1", phc)
	}
	low, err := cheap.hashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(low, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("a lowered hash is %q, want argon2id at m=64,t=1,p=1", low)
	}
	for _, c := range []struct {
		s   *Service
		phc string
	}{{cheap, phc}, {deployed, low}} {
		if !c.s.checkPassword(c.phc, "a long enough password") || c.s.checkPassword(c.phc, "a long enough passwork") {
			t.Errorf("%s is not checked by its own cost", c.phc[:30])
		}
	}
}
