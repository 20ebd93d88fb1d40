package catalog

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
)

// TestServiceNotAllowedInSwedish: the refusal a service caller gets from
// a method that does not list it (a status written by pkg/auth's
// interceptor, which the refusal scan does not read) has its Swedish.
func TestServiceNotAllowedInSwedish(t *testing.T) {
	t.Parallel()
	if sv := ViolationText("sv", auth.MsgServiceNotAllowed); sv == auth.MsgServiceNotAllowed {
		t.Errorf("%q has no Swedish", auth.MsgServiceNotAllowed)
	}
}
