package account

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestSetupLinkAfterACrash: a gateway that dies between taking the setup
// link and creating the admin (kill -9, as far as the key can tell: the
// link taken, no account, no done) must not leave the platform with no
// way to set up. A gateway started while the form may still run on
// another replica announces no link and says how long to wait; one
// started SetupStale later makes a new link, which makes the admin; the
// dead form's link stays refused.
func TestSetupLinkAfterACrash(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	k := sealtest.Keyring(t, n.JS)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	open := func() *Service {
		s, err := Open(testutil.Context(t), n.JS, Config{Keyring: k, HashCost: cheap, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	ctx := testutil.Context(t)
	dead := open()
	old, _, err := dead.SetupToken(ctx)
	if err != nil || old == "" {
		t.Fatalf("first start: %q, %v", old, err)
	}
	if again, _, _ := open().SetupToken(ctx); again != old {
		t.Errorf("a second gateway's link differs from the first's")
	}
	if _, err := dead.TakeSetup(ctx, old); err != nil { // then killed
		t.Fatal(err)
	}

	s := open()
	if tok, wait, err := s.SetupToken(ctx); err != nil || tok != "" || wait != SetupStale {
		t.Errorf("a start right after: %q, wait %v, %v; want no link, wait %v", tok, wait, err, SetupStale)
	}
	if err := s.CheckSetup(ctx, old); !errors.Is(err, ErrSetupBusy) {
		t.Errorf("the taken link: %v, want ErrSetupBusy", err)
	}
	mu.Lock()
	now = now.Add(SetupStale)
	mu.Unlock()
	s = open()
	tok, _, err := s.SetupToken(ctx)
	if err != nil || tok == "" || tok == old {
		t.Fatalf("a start once the taken link is stale: %q, %v; want a new link", tok, err)
	}
	if _, err := s.TakeSetup(ctx, old); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the dead form's link: %v, want NotFound", err)
	}
	done, err := s.TakeSetup(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "kim@example.org", "Kim", gatewayv1.Role_ROLE_ADMIN)
	done(true)
	if again, _, err := open().SetupToken(ctx); again != "" || err != nil {
		t.Errorf("a start once the admin exists: %q, %v", again, err)
	}
	if err := s.CheckSetup(ctx, tok); !errors.Is(err, ErrSetupUsed) {
		t.Errorf("the used link: %v, want ErrSetupUsed", err)
	}
}

// TestSetupLinkGivenBack: a form whose create is refused (a short
// password) gives the link back, so the form can be sent again; while it
// holds the link another form is told another holds it.
func TestSetupLinkGivenBack(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	tok, _, err := s.SetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var second error
	s.setupTaken = func() { _, second = s.TakeSetup(ctx, tok) }
	done, err := s.TakeSetup(ctx, tok)
	s.setupTaken = nil
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(second, ErrSetupBusy) {
		t.Errorf("a form while another holds the link: %v, want ErrSetupBusy", second)
	}
	done(false)
	if err := s.CheckSetup(ctx, tok); err != nil {
		t.Errorf("the link given back: %v", err)
	}
}
