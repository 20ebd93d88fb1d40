package server_test

import (
	"slices"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUserEditRefusedInOneAnswer: an admin's edit of a coordinator that
// names an organisation no one has, a municipality that is no code, an
// empty name and a short password hears all four in one answer. The
// organisation was refused alone, and the rest on the next try (ADR 0211's
// Left, 0214). Nothing is changed.
func TestUserEditRefusedInOneAnswer(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Ändra", "0880")
	e.coordinator(admin, "andra@example.org", org, "0880")
	ctx := testutil.Context(t)
	list, err := admin.users.ListUsers(ctx, connect.NewRequest(&gatewayv1.ListUsersRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list.Msg.GetUsers(), func(u *gatewayv1.User) bool { return u.GetEmail() == "andra@example.org" })
	if i < 0 {
		t.Fatal("the coordinator is not listed")
	}
	id := list.Msg.GetUsers()[i].GetId()
	_, err = admin.users.UpdateUser(ctx, connect.NewRequest(&gatewayv1.UpdateUserRequest{
		User:       &gatewayv1.User{Id: id, DisplayName: " ", OrganisationId: "01890000-0000-7000-8000-000000000000", MunicipalityCodes: []string{"08x0"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name", "organisation_id", "municipality_codes"}}, Password: "kort",
	}))
	got := map[string]bool{}
	for _, f := range violations(err) {
		got[f] = true
	}
	for _, f := range []string{"user.organisation_id", "user.municipality_codes[0]", "user.display_name", "password"} {
		if !got[f] {
			t.Errorf("the edit's answer does not name %s: %v", f, err)
		}
	}
	after, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	if u := after.Msg.GetUser(); u.GetOrganisationId() != org || u.GetDisplayName() == " " {
		t.Errorf("the refused edit changed the user: %v", u)
	}
}
