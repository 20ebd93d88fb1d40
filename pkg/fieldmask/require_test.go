package fieldmask

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

func TestRequire(t *testing.T) {
	allowed := []string{"seats", "pets"}
	for _, tc := range []struct {
		paths []string
		bad   bool
	}{
		{nil, true},
		{[]string{"seats"}, false},
		{[]string{"pets", "seats"}, false},
		{[]string{"seats", "host"}, true},
	} {
		var v apperr.Validator
		Require(&v, tc.paths, allowed, "update_mask")
		if got := v.Err() != nil; got != tc.bad {
			t.Errorf("Require(%v): error %v, want %v", tc.paths, got, tc.bad)
		}
	}
}
