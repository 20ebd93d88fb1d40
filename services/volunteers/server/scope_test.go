package server_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestVolunteer_Scope(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	orgA := h.mustOrg(t, "Invitationsdepartementet", "0180", "0380")
	orgB := h.mustOrg(t, "Svenska kyrkan", "0180")
	owner := coordinator(orgA.GetId(), "0180")
	v := h.mustVolunteer(t, owner, volunteerIn(orgA.GetId(), "0180"))

	_, otherKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Signed with the trusted key an hour ago, for a minute.
	expired, err := auth.NewSigner(h.key, keyID, func() time.Time { return time.Now().Add(-time.Hour) }).Sign(admin, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Signed under the trusted key id, by a key the service does not know.
	forged, err := auth.NewSigner(otherKey, keyID, time.Now).Sign(admin, time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	get := call{"Get", func(ctx context.Context, tok string) error {
		_, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, bearer(tok))
		return err
	}}
	update := call{"Update", func(ctx context.Context, tok string) error {
		_, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
			Volunteer:  &pb.Volunteer{Id: v.GetId(), GivenName: "Mallory"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}}, bearer(tok))
		return err
	}}
	del := call{"Delete", func(ctx context.Context, tok string) error {
		_, err := h.client.DeleteVolunteer(ctx, &pb.DeleteVolunteerRequest{Id: v.GetId()}, bearer(tok))
		return err
	}}
	erase := call{"Erase", func(ctx context.Context, tok string) error {
		_, err := h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: v.GetId()}, bearer(tok))
		return err
	}}
	list := call{"List", func(ctx context.Context, tok string) error {
		res, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{}, bearer(tok))
		if err != nil {
			return err
		}
		for _, o := range res.GetVolunteers() {
			if o.GetId() == v.GetId() {
				return errors.New("List shows the volunteer")
			}
		}
		if res.GetTotalSize() != 0 {
			return fmt.Errorf("List counts %d", res.GetTotalSize())
		}
		return nil
	}}
	create := call{"Create", func(ctx context.Context, tok string) error {
		_, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(orgA.GetId(), "0180")}, bearer(tok))
		return err
	}}
	listOrgs := call{"ListOrganisations", func(ctx context.Context, tok string) error {
		_, err := h.client.ListOrganisations(ctx, &pb.ListOrganisationsRequest{}, bearer(tok))
		return err
	}}
	all := []call{get, update, del, erase, list, create, listOrgs}

	for _, tc := range []struct {
		name  string
		token string
		want  map[string]codes.Code // by call name; missing means OK
	}{
		{"no token", "", allCodes(all, codes.Unauthenticated)},
		{"garbage token", "v1.test.e30.AAAA", allCodes(all, codes.Unauthenticated)},
		{"expired", expired, allCodes(all, codes.Unauthenticated)},
		{"other key", forged, allCodes(all, codes.Unauthenticated)},
		{"coordinator of another organisation", h.token(t, coordinator(orgB.GetId(), "0180")), map[string]codes.Code{
			"Get": codes.NotFound, "Update": codes.NotFound, "Delete": codes.NotFound, "Erase": codes.NotFound,
			"Create": codes.PermissionDenied}},
		{"coordinator of another municipality", h.token(t, coordinator(orgA.GetId(), "0380")), map[string]codes.Code{
			"Get": codes.NotFound, "Update": codes.NotFound, "Delete": codes.NotFound, "Erase": codes.NotFound,
			"Create": codes.PermissionDenied}},
		{"operator", h.token(t, operator), map[string]codes.Code{
			"Get": codes.NotFound, "Update": codes.PermissionDenied, "Delete": codes.PermissionDenied,
			"Erase": codes.PermissionDenied, "Create": codes.PermissionDenied}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range all {
				err := c.do(ctx, tc.token)
				want, refused := tc.want[c.name]
				switch {
				case refused && status.Code(err) != want:
					t.Errorf("%s: %v, want %v", c.name, err, want)
				case !refused && err != nil:
					t.Errorf("%s: %v, want success", c.name, err)
				}
			}
		})
	}

	// Nothing above changed or removed the volunteer.
	got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, h.as(t, owner))
	if err != nil {
		t.Fatalf("owner lost the volunteer: %v", err)
	}
	if diff := cmp.Diff(v, got.GetVolunteer(), protocmp.Transform()); diff != "" {
		t.Errorf("volunteer changed (-before +after):\n%s", diff)
	}
	// The owner, admins and services see it; the service may change it.
	for _, who := range []auth.Claims{owner, coordinator(orgA.GetId(), "0380", "0180"), admin, svc} {
		if _, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, h.as(t, who)); err != nil {
			t.Errorf("%s %s: get: %v", who.Role, who.Subject, err)
		}
	}
	// A coordinator may not move a volunteer out of their scope.
	_, err = h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
		Volunteer:  &pb.Volunteer{Id: v.GetId(), OrganisationId: orgB.GetId()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id"}}}, h.as(t, owner))
	wantCode(t, err, codes.PermissionDenied)

	// Health stays open without a token.
	hres, err := healthpb.NewHealthClient(h.conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || hres.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v", hres, err)
	}
}

// call is one RPC made with a given token, for scope tables.
type call struct {
	name string
	do   func(ctx context.Context, tok string) error
}

// allCodes expects code from every call.
func allCodes(calls []call, c codes.Code) map[string]codes.Code {
	m := map[string]codes.Code{}
	for _, call := range calls {
		m[call.name] = c
	}
	return m
}
