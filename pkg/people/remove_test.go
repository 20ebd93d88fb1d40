package people

import (
	"errors"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
)

// TestCanWrite: operators see no personal data, so they may not change
// it; every other role may.
func TestCanWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		role auth.Role
		want bool
	}{
		{auth.RoleAdmin, true},
		{auth.RoleCoordinator, true},
		{auth.RoleService, true},
		{auth.RoleOperator, false},
		{"", false},
	}
	for _, tt := range tests {
		if got := CanWrite(auth.Claims{Role: tt.role}); got != tt.want {
			t.Errorf("CanWrite(%q) = %v, want %v", tt.role, got, tt.want)
		}
	}
}

// TestNotFound: a NotFound answer names the record, never the store's
// key; any other error passes unchanged.
func TestNotFound(t *testing.T) {
	t.Parallel()
	err := NotFound(apperr.Errorf(apperr.NotFound, "key participants.01J9 not found"), "participant")
	if got, want := apperr.ErrorCode(err), apperr.NotFound; got != want {
		t.Errorf("code %s, want %s", got, want)
	}
	if got, want := apperr.ErrorMessage(err), "participant not found"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	other := errors.New("store down")
	if got := NotFound(other, "participant"); got != other {
		t.Errorf("another error became %v", got)
	}
	if got := NotFound(nil, "participant"); got != nil {
		t.Errorf("nil became %v", got)
	}
}
