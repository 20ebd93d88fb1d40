package service

import (
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/seal"
)

// TestKeyringConfig: every service owns the key bucket of its name and
// reads the others', notify owns none, the shared mode creates in the
// shared bucket (owners only), and only the gateway maintains the key
// ring's streams (ADR 0234, 0238).
func TestKeyringConfig(t *testing.T) {
	for _, s := range append(slices.Clone(seal.KeyOwners), "notify") {
		for _, shared := range []bool{false, true} {
			c := KeyringConfig(s, nil, 1, shared, nil)
			owns := s != "notify"
			if c.Owner != s || !slices.Equal(c.Others, seal.KeyOwners) || c.ReadOnly == owns ||
				c.SharedCreates != (shared && owns) || c.CreateOnly != (s != "gateway") {
				t.Errorf("%s (shared %t): %+v", s, shared, c)
			}
		}
	}
}
