package server_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func guideOrg() *pb.Organisation {
	return &pb.Organisation{
		Name:                "Etableringslots Syd AB",
		Type:                pb.OrganisationType_ORGANISATION_TYPE_COMPANY,
		MunicipalityCodes:   []string{"1280", "0880"},
		IsGuideOrganisation: true,
		GuideCapacities: []*eventsv1.GuideCapacity{
			{MunicipalityCode: "1280", Language: "ar", Capacity: 40},
			{MunicipalityCode: "1280", Language: "ti", Capacity: 10},
			{MunicipalityCode: "0880", Language: "ar", Capacity: 0},
		},
	}
}

func TestOrganisation_CRUD(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	asAdmin := h.as(t, admin)

	res, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: guideOrg(), RequestId: "org-1"}, asAdmin)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	o := res.GetOrganisation()
	if diff := cmp.Diff(guideOrg(), o, protocmp.Transform(),
		protocmp.IgnoreFields(&pb.Organisation{}, "id", "etag", "create_time", "update_time")); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	again, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: guideOrg(), RequestId: "org-1"}, asAdmin)
	if err != nil || again.GetOrganisation().GetId() != o.GetId() {
		t.Fatalf("repeated request id = %v, %v; want %s", again, err, o.GetId())
	}
	env, _ := h.waitEvent(t, events.OrganisationCreated, o.GetId())
	var created eventsv1.OrganisationCreated
	if err := env.GetPayload().UnmarshalTo(&created); err != nil {
		t.Fatal(err)
	}
	want := &eventsv1.OrganisationFacts{OrganisationId: o.GetId(), Type: "ORGANISATION_TYPE_COMPANY",
		MunicipalityCodes: []string{"1280", "0880"}, GuideCapacities: guideOrg().GetGuideCapacities()}
	if diff := cmp.Diff(want, created.GetFacts(), protocmp.Transform()); diff != "" {
		t.Errorf("created facts (-want +got):\n%s", diff)
	}

	// Every role may read organisations: they are not personal data.
	other := h.mustOrg(t, "Röda Korset", "0880")
	for _, who := range []auth.Claims{admin, operator, svc, coordinator(other.GetId(), "0880")} {
		got, err := h.client.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: o.GetId()}, h.as(t, who))
		if err != nil {
			t.Fatalf("%s: get: %v", who.Role, err)
		}
		if diff := cmp.Diff(o, got.GetOrganisation(), protocmp.Transform()); diff != "" {
			t.Errorf("%s: get (-created +got):\n%s", who.Role, diff)
		}
		list, err := h.client.ListOrganisations(ctx, &pb.ListOrganisationsRequest{MunicipalityCode: "0880", PageSize: 1}, h.as(t, who))
		if err != nil {
			t.Fatalf("%s: list: %v", who.Role, err)
		}
		if list.GetTotalSize() != 2 || len(list.GetOrganisations()) != 1 || list.GetNextPageToken() == "" {
			t.Errorf("%s: list 0880 = %v, want 1 of 2 with a next page", who.Role, list)
		}
	}
	list, err := h.client.ListOrganisations(ctx, &pb.ListOrganisationsRequest{MunicipalityCode: "1280"}, asAdmin)
	if err != nil || list.GetTotalSize() != 1 || list.GetOrganisations()[0].GetId() != o.GetId() {
		t.Fatalf("list 1280 = %v, %v; want only %s", list, err, o.GetId())
	}

	upd := &pb.Organisation{Id: o.GetId(), Etag: o.GetEtag(), Name: "Etableringslots Syd", MunicipalityCodes: []string{"1280"},
		GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "1280", Language: "so", Capacity: 5}}}
	ures, err := h.client.UpdateOrganisation(ctx, &pb.UpdateOrganisationRequest{Organisation: upd,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "municipality_codes", "guide_capacities"}}}, asAdmin)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if u := ures.GetOrganisation(); u.GetName() != "Etableringslots Syd" || u.GetType() != pb.OrganisationType_ORGANISATION_TYPE_COMPANY ||
		len(u.GetGuideCapacities()) != 1 || u.GetEtag() == o.GetEtag() {
		t.Errorf("updated = %v", u)
	}
	env, _ = h.waitEvent(t, events.OrganisationUpdated, o.GetId())
	var updated eventsv1.OrganisationUpdated
	if err := env.GetPayload().UnmarshalTo(&updated); err != nil || !proto.Equal(updated.GetFacts().GetGuideCapacities()[0], upd.GetGuideCapacities()[0]) {
		t.Errorf("updated facts = %v, %v", updated.GetFacts(), err)
	}

	// An organisation volunteers act for cannot be deleted until they go.
	v := h.mustVolunteer(t, admin, volunteerIn(o.GetId(), "1280"))
	_, err = h.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: o.GetId()}, asAdmin)
	wantCode(t, err, codes.FailedPrecondition)
	if _, err := h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: v.GetId()}, asAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: o.GetId()}, asAdmin); err != nil {
		t.Fatalf("delete: %v", err)
	}
	h.waitEvent(t, events.OrganisationDeleted, o.GetId())
	_, err = h.client.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: o.GetId()}, asAdmin)
	wantCode(t, err, codes.NotFound)
	// A deleted organisation no longer takes volunteers.
	_, err = h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(o.GetId(), "1280")}, asAdmin)
	wantCode(t, err, codes.InvalidArgument)
	if !hasViolation(err, "volunteer.organisation_id") {
		t.Errorf("violations %v, want volunteer.organisation_id", err)
	}
}

func TestOrganisation_OnlyAdminsWrite(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	o := h.mustOrg(t, "ABF Malmö", "1280")
	for _, who := range []auth.Claims{coordinator(o.GetId(), "1280"), operator, svc} {
		opt := h.as(t, who)
		_, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: guideOrg()}, opt)
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.UpdateOrganisation(ctx, &pb.UpdateOrganisationRequest{
			Organisation: &pb.Organisation{Id: o.GetId(), Name: "Taken over"},
			UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"name"}}}, opt)
		wantCode(t, err, codes.PermissionDenied)
		_, err = h.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: o.GetId()}, opt)
		wantCode(t, err, codes.PermissionDenied)
	}
	got, err := h.client.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: o.GetId()}, h.as(t, admin))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o, got.GetOrganisation(), protocmp.Transform()); diff != "" {
		t.Errorf("refused writes changed the organisation (-before +after):\n%s", diff)
	}
	list, err := h.client.ListOrganisations(ctx, &pb.ListOrganisationsRequest{}, h.as(t, admin))
	if err != nil || list.GetTotalSize() != 1 {
		t.Errorf("organisations = %v, %v; want only %s", list, err, o.GetId())
	}
}

func TestOrganisation_BadInput(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	with := func(f func(o *pb.Organisation)) *pb.Organisation {
		o := guideOrg()
		f(o)
		return o
	}
	for _, tc := range []struct {
		name  string
		in    *pb.Organisation
		field string
	}{
		{"empty name", with(func(o *pb.Organisation) { o.Name = "" }), "organisation.name"},
		{"201 characters", with(func(o *pb.Organisation) { o.Name = strings.Repeat("å", 201) }), "organisation.name"},
		{"10 MB name", with(func(o *pb.Organisation) { o.Name = strings.Repeat("x", 10<<20) }), "organisation.name"},
		{"no type", with(func(o *pb.Organisation) { o.Type = 0 }), "organisation.type"},
		{"no municipality", with(func(o *pb.Organisation) { o.MunicipalityCodes = nil; o.GuideCapacities = nil }), "organisation.municipality_codes"},
		{"unknown municipality", with(func(o *pb.Organisation) { o.MunicipalityCodes[1] = "0000" }), "organisation.municipality_codes[1]"},
		{"municipality twice", with(func(o *pb.Organisation) { o.MunicipalityCodes[1] = "1280" }), "organisation.municipality_codes[1]"},
		{"capacities of a non-guide", with(func(o *pb.Organisation) { o.IsGuideOrganisation = false }), "organisation.guide_capacities"},
		{"capacity where not served", with(func(o *pb.Organisation) { o.GuideCapacities[0].MunicipalityCode = "0180" }), "organisation.guide_capacities[0].municipality_code"},
		{"capacity bad language", with(func(o *pb.Organisation) { o.GuideCapacities[1].Language = "tigrinya" }), "organisation.guide_capacities[1].language"},
		{"capacity no language", with(func(o *pb.Organisation) { o.GuideCapacities[1].Language = "" }), "organisation.guide_capacities[1].language"},
		{"negative capacity", with(func(o *pb.Organisation) { o.GuideCapacities[0].Capacity = -1 }), "organisation.guide_capacities[0].capacity"},
		{"capacity above 10000", with(func(o *pb.Organisation) { o.GuideCapacities[0].Capacity = 10001 }), "organisation.guide_capacities[0].capacity"},
		{"duplicate capacity", with(func(o *pb.Organisation) { o.GuideCapacities[1].Language = "ar" }), "organisation.guide_capacities[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: tc.in}, h.as(t, admin))
			wantCode(t, err, codes.InvalidArgument)
			if !hasViolation(err, tc.field) {
				t.Errorf("violations %v, want one for %s", err, tc.field)
			}
		})
	}
	list, err := h.client.ListOrganisations(ctx, &pb.ListOrganisationsRequest{}, h.as(t, admin))
	if err != nil || list.GetTotalSize() != 0 {
		t.Fatalf("organisations after refused creates = %v, %v; want none", list, err)
	}
	if envs, _ := h.streamEvents(t); len(envs) != 0 {
		t.Errorf("refused creates published %d events", len(envs))
	}
}
