package account

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestUsersRefuseHostileInput (ADR 0208): a create without a user
// (Connect's JSON `{}`) panicked and the admin's connection was dropped;
// a list took a negative page size and any page token; a read or update
// of an id that is no id answered NotFound instead of naming the field;
// an update's oversized fields outside the mask were never looked at.
func TestUsersRefuseHostileInput(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	mustCreate(t, s, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	mustCreate(t, s, "åsa@example.org", "Åsa Lind", gatewayv1.Role_ROLE_COORDINATOR)

	invalid := func(what string, err error, field string) {
		t.Helper()
		if apperr.ErrorCode(err) != apperr.Invalid || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want Invalid naming %s", what, err, field)
		}
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("CreateUser without a user panicked: %v", r)
			}
		}()
		_, err := s.CreateUser(ctx, nil, "ett långt lösenord")
		invalid("CreateUser without a user", err, "user.email")
	}()

	_, _, err := s.ListUsers(-1, "")
	invalid("ListUsers page size -1", err, "page_size")
	_, _, err = s.ListUsers(501, "")
	invalid("ListUsers page size 501", err, "page_size")
	for _, tok := range []string{"garbage!", "AAAA", "%%%", strings.Repeat("A", 1_000_000)} {
		_, _, err = s.ListUsers(0, tok)
		invalid("ListUsers page token "+tok[:min(len(tok), 10)], err, "page_token")
	}
	// The tokens it gives are taken back, and page through everyone once.
	seen := map[string]bool{}
	for tok, pages := "", 0; ; pages++ {
		us, next, err := s.ListUsers(1, tok)
		if err != nil || pages > 3 {
			t.Fatalf("ListUsers page %d: %v (%d pages)", pages, err, pages)
		}
		for _, u := range us {
			seen[u.GetId()] = true
		}
		if next == "" {
			break
		}
		tok = next
	}
	if len(seen) != 2 {
		t.Errorf("paged through %d users, want 2", len(seen))
	}

	for _, id := range []string{"", strings.Repeat("a", 1_000_000), "a.b", "*"} {
		_, err := s.GetUser(ctx, id)
		invalid("GetUser "+id[:min(len(id), 10)], err, "id")
		_, err = s.UpdateUser(ctx, &gatewayv1.User{Id: id, Locale: "en"}, []string{"locale"}, "")
		invalid("UpdateUser "+id[:min(len(id), 10)], err, "user.id")
	}
	huge := strings.Repeat("a", 1_000_000)
	for field, u := range map[string]*gatewayv1.User{
		"user.email":              {Email: huge},
		"user.display_name":       {DisplayName: huge},
		"user.organisation_id":    {OrganisationId: huge},
		"user.municipality_codes": {MunicipalityCodes: []string{huge}},
		"user.locale":             {Locale: huge},
	} {
		_, err := s.UpdateUser(ctx, u, []string{"locale"}, "")
		invalid("UpdateUser with "+field+" of a million bytes", err, field)
	}
}
