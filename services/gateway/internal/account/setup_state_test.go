package account

import (
	"fmt"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestSetupStateKeepsTheAdmin: the link's state names the admin the form
// makes, and the network it came from, from the take to done (ADR 0229),
// in fields an older gateway reads as before ("open <token>", "taken
// <token> <unix>", "done"), and reads what an older gateway wrote.
func TestSetupStateKeepsTheAdmin(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	cases := []struct {
		st   setupState
		want string
	}{
		{setupState{state: "open", token: "abc"}, "open abc"},
		{setupState{state: "taken", token: "abc", at: 17}, "taken abc 17"},
		{setupState{state: "taken", token: "abc", at: 17, admin: "u1", network: "203.0.113.0"}, "taken abc 17 u1 203.0.113.0"},
		{setupState{state: "taken", token: "abc", at: 17, admin: "u1"}, "taken abc 17 u1"},
		{setupState{state: "done", admin: "u1", network: "2001:db8:1234::"}, "done - 0 u1 2001:db8:1234::"},
		{setupState{state: "done"}, "done"},
	}
	for _, tt := range cases {
		_, rev, err := s.readSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := s.writeSetup(ctx, tt.st, rev); !ok || err != nil {
			t.Fatalf("write %+v: %v %v", tt.st, ok, err)
		}
		e, err := s.admins.Get(ctx, setupKey)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(e.Value()); got != tt.want {
			t.Errorf("%+v written %q, want %q", tt.st, got, tt.want)
		}
		got, _, err := s.readSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.st) {
			t.Errorf("%q read as %+v, want %+v", tt.want, got, tt.st)
		}
	}
}
