package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAdminSafeguards: a coordinator's organisation must exist and work in
// the coordinator's municipalities, and the last admin stays an admin.
func TestAdminSafeguards(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	create := func(org string, munis ...string) error {
		_, err := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
			Email: "new@example.org", DisplayName: "New", Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: org,
			MunicipalityCodes: munis}, Password: password}))
		return err
	}
	if err := create("nonexistent", "0880"); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("coordinator of an unknown organisation: %v", err)
	}
	if err := create(org, "0180"); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("coordinator in a municipality the organisation does not work in: %v", err)
	}
	if err := create(org, "0880"); err != nil {
		t.Fatalf("valid coordinator: %v", err)
	}
	me, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.users.UpdateUser(ctx, connect.NewRequest(&gatewayv1.UpdateUserRequest{User: &gatewayv1.User{Id: me.Msg.GetUser().GetId(), Disabled: true},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Errorf("the last admin disabled themselves: %v", err)
	}
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	if code, _ := b.post("/admin/users/"+me.Msg.GetUser().GetId()+"/disable", url.Values{}); code != http.StatusConflict {
		t.Errorf("disable the last admin in the web app: %d, want 409", code)
	}
	if _, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err != nil {
		t.Fatalf("the admin lost access: %v", err)
	}

	// A coordinator who unticks every municipality starts no job.
	c := e.browser()
	c.signIn("new@example.org", password)
	c.get("/matching")
	if code, page := c.post("/matching/jobs", url.Values{"request_id": {"job-none"}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("job with no municipality: %d %s", code, trim(page))
	}
}
