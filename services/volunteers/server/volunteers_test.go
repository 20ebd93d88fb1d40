package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestVolunteer_CRUDAndErase(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "Röda Korset Kalmar", "0880", "0180")
	me := h.as(t, coordinator(org.GetId(), "0880"))

	in := volunteerIn("", "0880") // the coordinator's organisation is the default
	in.HouseholdSize = 0          // defaults to 1
	created, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: in, RequestId: "req-1"}, me)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	v := created.GetVolunteer()
	if v.GetId() == "" || v.GetEtag() == "" || v.GetCreateTime() == nil {
		t.Fatalf("create returned %v: want id, etag and create_time", v)
	}
	if got, want := v.GetOrganisationId(), org.GetId(); got != want {
		t.Errorf("organisation_id = %q, want the coordinator's %q", got, want)
	}
	if got := v.GetHouseholdSize(); got != 1 {
		t.Errorf("household_size = %d, want the default 1", got)
	}
	want := proto.Clone(in).(*pb.Volunteer)
	want.OrganisationId, want.HouseholdSize = org.GetId(), 1
	if diff := cmp.Diff(want, v, protocmp.Transform(),
		protocmp.IgnoreFields(&pb.Volunteer{}, "id", "etag", "create_time", "update_time")); diff != "" {
		t.Errorf("created volunteer (-want +got):\n%s", diff)
	}

	// The same request id returns the same volunteer, not a second one.
	again, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: in, RequestId: "req-1"}, me)
	if err != nil {
		t.Fatalf("repeat create: %v", err)
	}
	if again.GetVolunteer().GetId() != v.GetId() {
		t.Errorf("repeated request id created %s, want %s", again.GetVolunteer().GetId(), v.GetId())
	}

	env, raw := h.waitEvent(t, events.VolunteerRegistered, v.GetId())
	var reg eventsv1.VolunteerRegistered
	if err := env.GetPayload().UnmarshalTo(&reg); err != nil {
		t.Fatal(err)
	}
	wantFacts := &eventsv1.VolunteerFacts{
		VolunteerId: v.GetId(), OrganisationId: org.GetId(), MunicipalityCode: "0880",
		Languages: in.GetLanguages(), Roles: in.GetRoles(), Interests: in.GetInterests(), Gender: in.GetGender(),
		Availability: in.GetAvailability(), DietsServed: in.GetDietsServed(), BackgroundCheckValid: true, BackgroundCheckValidUntil: "2099-01-10",
		HouseholdSize: 1, AgeBand: int32((time.Now().Year() - 1984) / 10 * 10),
	}
	if diff := cmp.Diff(wantFacts, reg.GetFacts(), protocmp.Transform()); diff != "" {
		t.Errorf("registered facts (-want +got):\n%s", diff)
	}
	if containsAny(raw, "Astrid", "Lindqvist", "astrid@example.se", "+46701234567", "coord-7", "1984") {
		t.Errorf("registered event carries personal data: %q", raw)
	}

	got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, me)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if diff := cmp.Diff(v, got.GetVolunteer(), protocmp.Transform()); diff != "" {
		t.Errorf("get (-created +got):\n%s", diff)
	}

	list, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{}, me)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if list.GetTotalSize() != 1 || len(list.GetVolunteers()) != 1 || list.GetVolunteers()[0].GetId() != v.GetId() {
		t.Fatalf("list = %v, want just %s", list, v.GetId())
	}

	// Update two fields by mask; the others stay.
	upd := &pb.Volunteer{Id: v.GetId(), Etag: v.GetEtag(), GivenName: "Astrid Maria",
		Roles: []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_HOMEWORK_HELPER, Capacity: 3}}}
	ures, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: upd,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name", "roles"}}}, me)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	u := ures.GetVolunteer()
	if u.GetGivenName() != "Astrid Maria" || len(u.GetRoles()) != 1 || u.GetFamilyName() != "Lindqvist" || u.GetEtag() == v.GetEtag() {
		t.Errorf("updated = %v", u)
	}
	// The stale etag is refused.
	_, err = h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: upd,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}}, me)
	wantCode(t, err, codes.Aborted)

	env, raw = h.waitEvent(t, events.VolunteerUpdated, v.GetId())
	var updated eventsv1.VolunteerUpdated
	if err := env.GetPayload().UnmarshalTo(&updated); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"given_name", "roles"}, updated.GetChangedFields()); diff != "" {
		t.Errorf("changed fields (-want +got):\n%s", diff)
	}
	if containsAny(raw, "Astrid") {
		t.Errorf("updated event carries the name: %q", raw)
	}
	// Get is served after the update with the new data, not a stale cache.
	got, err = h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, me)
	if err != nil || got.GetVolunteer().GetGivenName() != "Astrid Maria" {
		t.Fatalf("get after update = %v, %v", got, err)
	}

	// Delete a second volunteer.
	other := h.mustVolunteer(t, admin, volunteerIn(org.GetId(), "0180"))
	if _, err := h.client.DeleteVolunteer(ctx, &pb.DeleteVolunteerRequest{Id: other.GetId()}, h.as(t, admin)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	env, _ = h.waitEvent(t, events.VolunteerDeleted, other.GetId())
	var deleted eventsv1.VolunteerDeleted
	if err := env.GetPayload().UnmarshalTo(&deleted); err != nil || deleted.GetVolunteerId() != other.GetId() {
		t.Fatalf("deleted event = %v, %v", &deleted, err)
	}
	_, err = h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: other.GetId()}, h.as(t, admin))
	wantCode(t, err, codes.NotFound)
	_, err = h.client.DeleteVolunteer(ctx, &pb.DeleteVolunteerRequest{Id: other.GetId()}, h.as(t, admin))
	wantCode(t, err, codes.NotFound)

	// Erase: gone from Get (and so from the cache Get just filled), List
	// and the bucket; one event with the id only.
	if _, err := h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: v.GetId()}, me); err != nil {
		t.Fatalf("erase: %v", err)
	}
	_, err = h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, me)
	wantCode(t, err, codes.NotFound)
	list, err = h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{}, h.as(t, admin))
	if err != nil || list.GetTotalSize() != 0 || len(list.GetVolunteers()) != 0 {
		t.Fatalf("list after erase = %v, %v; want empty", list, err)
	}
	env, raw = h.waitEvent(t, events.VolunteerErased, v.GetId())
	erased := &eventsv1.VolunteerErased{}
	if err := env.GetPayload().UnmarshalTo(erased); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&eventsv1.VolunteerErased{VolunteerId: v.GetId()}, erased, protocmp.Transform()); diff != "" {
		t.Errorf("erased event (-want +got):\n%s", diff)
	}
	if containsAny(raw, "Astrid", "Lindqvist", "0880", org.GetId()) {
		t.Errorf("erased event carries more than the id: %q", raw)
	}
	// The bucket keeps no data of the erased volunteer, in any revision.
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if err := bucketFreeOf(ctx, h, "KV_volunteers", "Astrid", "Lindqvist", "astrid@example.se"); err != nil {
			return err
		}
		// Purged, not merely deleted: what is left of the key is a purge
		// marker without data.
		return lastOp(ctx, h, v.GetId(), jetstream.KeyValuePurge)
	})
	if err := lastOp(ctx, h, other.GetId(), jetstream.KeyValueDelete); err != nil {
		t.Errorf("deleted volunteer: %v", err)
	}
	// Sent again by the coordinator who erased it (after "unavailable",
	// a double click), the erasure answers as the first (ADR 0264);
	// another coordinator of the organisation is told NotFound, as for an
	// id that never was.
	if _, err = h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: v.GetId()}, me); err != nil {
		t.Errorf("the erasure sent again by its coordinator: %v, want success", err)
	}
	colleague := auth.Claims{Subject: "coord-2", Role: auth.RoleCoordinator, Organisation: org.GetId(), Municipalities: []string{"0880"}}
	_, err = h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: v.GetId()}, h.as(t, colleague))
	wantCode(t, err, codes.NotFound)
}

// bucketFreeOf returns an error while any message of the KV stream holds
// one of the strings.
func bucketFreeOf(ctx context.Context, h *harness, stream string, ss ...string) error {
	s, err := h.nats.JS.Stream(ctx, stream)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue // purged
		}
		if containsAny(m.Data, ss...) {
			return fmt.Errorf("seq %d still holds personal data", seq)
		}
	}
	return nil
}

// lastOp returns an error unless the history of volunteer id ends with op
// and holds no data.
func lastOp(ctx context.Context, h *harness, id string, op jetstream.KeyValueOp) error {
	kv, err := h.nats.JS.KeyValue(ctx, "volunteers")
	if err != nil {
		return err
	}
	hist, err := kv.History(ctx, id)
	if err != nil {
		return fmt.Errorf("history of %s: %w", id, err)
	}
	for _, e := range hist {
		if len(e.Value()) > 0 {
			return fmt.Errorf("revision %d of %s holds data", e.Revision(), id)
		}
	}
	if got := hist[len(hist)-1].Operation(); got != op {
		return fmt.Errorf("last operation on %s is %v, want %v", id, got, op)
	}
	return nil
}

func TestVolunteer_BadInput(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "ABF Malmö", "1280")
	huge := strings.Repeat("x", 10<<20)
	with := func(f func(v *pb.Volunteer)) *pb.Volunteer {
		v := volunteerIn(org.GetId(), "1280")
		f(v)
		return v
	}
	for _, tc := range []struct {
		name  string
		in    *pb.Volunteer
		field string
	}{
		{"empty name", with(func(v *pb.Volunteer) { v.GivenName = "" }), "volunteer.given_name"},
		{"10 MB name", with(func(v *pb.Volunteer) { v.GivenName = huge }), "volunteer.given_name"},
		{"control character in name", with(func(v *pb.Volunteer) { v.FamilyName = "Lind\x00qvist" }), "volunteer.family_name"},
		{"unknown municipality", with(func(v *pb.Volunteer) { v.MunicipalityCode = "9999" }), "volunteer.municipality_code"},
		{"no municipality", with(func(v *pb.Volunteer) { v.MunicipalityCode = "" }), "volunteer.municipality_code"},
		{"bad language", with(func(v *pb.Volunteer) { v.Languages[0].Code = "xx1" }), "volunteer.languages[0].code"},
		{"bad preferred language", with(func(v *pb.Volunteer) { v.Contact.PreferredLanguage = "Swedish" }), "volunteer.contact.preferred_language"},
		{"bad e-mail", with(func(v *pb.Volunteer) { v.Contact.Email = "not an address" }), "volunteer.contact.email"},
		{"message language without a catalogue", with(func(v *pb.Volunteer) {
			v.Notifications = &typev1.NotificationPreferences{PreferredLanguage: "de"}
		}), "volunteer.notifications.preferred_language"},
		{"opt-out twice", with(func(v *pb.Volunteer) {
			v.Notifications = &typev1.NotificationPreferences{OptOuts: []typev1.NotificationTopic{2, 2}}
		}), "volunteer.notifications.opt_outs[1]"},
		{"negative capacity", with(func(v *pb.Volunteer) { v.Roles[0].Capacity = -1 }), "volunteer.roles[0].capacity"},
		{"capacity above 50", with(func(v *pb.Volunteer) { v.Roles[1].Capacity = 51 }), "volunteer.roles[1].capacity"},
		{"duplicate role", with(func(v *pb.Volunteer) { v.Roles[1].Role = v.Roles[0].Role }), "volunteer.roles[1].role"},
		{"unspecified role", with(func(v *pb.Volunteer) { v.Roles[0].Role = 0 }), "volunteer.roles[0].role"},
		{"unknown role", with(func(v *pb.Volunteer) { v.Roles[0].Role = 99 }), "volunteer.roles[0].role"},
		{"unknown organisation", with(func(v *pb.Volunteer) { v.OrganisationId = "0190000a-0000-7000-8000-000000000000" }), "volunteer.organisation_id"},
		{"malformed organisation", with(func(v *pb.Volunteer) { v.OrganisationId = "a.b" }), "volunteer.organisation_id"},
		{"bad interest", with(func(v *pb.Volunteer) { v.Interests = []string{"Football!"} }), "volunteer.interests[0]"},
		{"unknown gender", with(func(v *pb.Volunteer) { v.Gender = 42 }), "volunteer.gender"},
		{"availability without day", with(func(v *pb.Volunteer) { v.Availability[0].Weekday = 0 }), "volunteer.availability[0].weekday"},
		{"unspecified diet", with(func(v *pb.Volunteer) { v.DietsServed = []typev1.Diet{0} }), "volunteer.diets_served[0]"},
		{"check valid before seen", with(func(v *pb.Volunteer) { v.BackgroundCheck.ValidUntil = "2019-12-31" }), "volunteer.background_check.valid_until"},
		{"check seen in the future", with(func(v *pb.Volunteer) { v.BackgroundCheck.SeenDate = "2999-01-01" }), "volunteer.background_check.seen_date"},
		{"check bad date", with(func(v *pb.Volunteer) { v.BackgroundCheck.SeenDate = "10/01/2020" }), "volunteer.background_check.seen_date"},
		{"check without verifier", with(func(v *pb.Volunteer) { v.BackgroundCheck.Verifier = "" }), "volunteer.background_check.verifier"},
		{"check verifier free text", with(func(v *pb.Volunteer) { v.BackgroundCheck.Verifier = "no remarks, clean record" }), "volunteer.background_check.verifier"},
		{"check details without seen", with(func(v *pb.Volunteer) { v.BackgroundCheck.Seen = false }), "volunteer.background_check.seen"},
		{"household of 21", with(func(v *pb.Volunteer) { v.HouseholdSize = 21 }), "volunteer.household_size"},
		{"negative household", with(func(v *pb.Volunteer) { v.HouseholdSize = -2 }), "volunteer.household_size"},
		{"birth year 1899", with(func(v *pb.Volunteer) { v.BirthYear = 1899 }), "volunteer.birth_year"},
		{"too young", with(func(v *pb.Volunteer) { v.BirthYear = int32(time.Now().Year() - 10) }), "volunteer.birth_year"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: tc.in}, h.as(t, admin))
			wantCode(t, err, codes.InvalidArgument)
			if !hasViolation(err, tc.field) {
				t.Errorf("violations %v, want one for %s", err, tc.field)
			}
		})
	}
	t.Run("every problem at once", func(t *testing.T) {
		_, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: &pb.Volunteer{
			GivenName: huge, MunicipalityCode: "9999", Roles: []*eventsv1.RoleCapacity{{Capacity: -1}},
		}}, h.as(t, admin))
		wantCode(t, err, codes.InvalidArgument)
		for _, f := range []string{"volunteer.given_name", "volunteer.municipality_code", "volunteer.organisation_id",
			"volunteer.roles[0].role", "volunteer.roles[0].capacity"} {
			if !hasViolation(err, f) {
				t.Errorf("no violation for %s in %v", f, err)
			}
		}
	})
	t.Run("bad update", func(t *testing.T) {
		v := h.mustVolunteer(t, admin, volunteerIn(org.GetId(), "1280"))
		before := h.countEvents(t, v.GetId())
		for _, tc := range []struct {
			name  string
			in    *pb.Volunteer
			paths []string
			field string
		}{
			{"empty name", &pb.Volunteer{Id: v.GetId()}, []string{"given_name"}, "volunteer.given_name"},
			{"unknown organisation", &pb.Volunteer{Id: v.GetId(), OrganisationId: "nope"}, []string{"organisation_id"}, "volunteer.organisation_id"},
			{"duplicate role", &pb.Volunteer{Id: v.GetId(), Roles: []*eventsv1.RoleCapacity{{Role: 1}, {Role: 1}}}, []string{"roles"}, "volunteer.roles[1].role"},
			{"not updatable", &pb.Volunteer{Id: v.GetId(), CreateTime: v.GetCreateTime()}, []string{"create_time"}, "update_mask.paths[0]"},
		} {
			_, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: tc.in,
				UpdateMask: &fieldmaskpb.FieldMask{Paths: tc.paths}}, h.as(t, admin))
			wantCode(t, err, codes.InvalidArgument)
			if !hasViolation(err, tc.field) {
				t.Errorf("%s: violations %v, want one for %s", tc.name, err, tc.field)
			}
		}
		got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, h.as(t, admin))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(v, got.GetVolunteer(), protocmp.Transform()); diff != "" {
			t.Errorf("refused updates changed the record (-before +after):\n%s", diff)
		}
		if after := h.countEvents(t, v.GetId()); after != before {
			t.Errorf("refused updates published %d events", after-before)
		}
		if _, err := h.client.DeleteVolunteer(ctx, &pb.DeleteVolunteerRequest{Id: v.GetId()}, h.as(t, admin)); err != nil {
			t.Fatal(err)
		}
	})
	// Nothing stored and no volunteer event from any refused create.
	list, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{}, h.as(t, admin))
	if err != nil || list.GetTotalSize() != 0 {
		t.Fatalf("list after refused creates = %v, %v; want empty", list, err)
	}
	envs, _ := h.streamEvents(t)
	var registered int
	for _, e := range envs {
		if e.GetType() == events.VolunteerRegistered {
			registered++
		}
	}
	if registered != 1 { // the one "bad update" created
		t.Errorf("registered events = %d, want 1", registered)
	}
}

func TestVolunteer_ListFiltersAndPages(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	orgA := h.mustOrg(t, "Studiefrämjandet", "0580", "1880")
	orgB := h.mustOrg(t, "Umeå kommun", "0580")
	mk := func(org, muni, lang string, role eventsv1.VolunteerRole) string {
		v := volunteerIn(org, muni)
		v.Languages = []*typev1.LanguageSkill{{Code: lang, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}}
		v.Roles = []*eventsv1.RoleCapacity{{Role: role, Capacity: 1}}
		return h.mustVolunteer(t, admin, v).GetId()
	}
	mentor, host := eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST
	a1 := mk(orgA.GetId(), "0580", "ar", mentor)
	a2 := mk(orgA.GetId(), "0580", "ti", host)
	a3 := mk(orgA.GetId(), "1880", "ar", host)
	a4 := mk(orgA.GetId(), "1880", "so", mentor)
	b1 := mk(orgB.GetId(), "0580", "ar", mentor)
	b2 := mk(orgB.GetId(), "0580", "uk", host)
	b3 := mk(orgB.GetId(), "0580", "ar", host)

	for _, tc := range []struct {
		name string
		who  auth.Claims
		req  *pb.ListVolunteersRequest
		want []string
	}{
		{"all", admin, &pb.ListVolunteersRequest{}, []string{a1, a2, a3, a4, b1, b2, b3}},
		{"municipality", admin, &pb.ListVolunteersRequest{MunicipalityCode: "1880"}, []string{a3, a4}},
		{"role", admin, &pb.ListVolunteersRequest{Role: mentor}, []string{a1, a4, b1}},
		{"language", admin, &pb.ListVolunteersRequest{Language: "ar"}, []string{a1, a3, b1, b3}},
		{"organisation", admin, &pb.ListVolunteersRequest{OrganisationId: orgB.GetId()}, []string{b1, b2, b3}},
		{"combined", admin, &pb.ListVolunteersRequest{MunicipalityCode: "0580", Role: host, Language: "ar"}, []string{b3}},
		{"coordinator scope", coordinator(orgA.GetId(), "0580"), &pb.ListVolunteersRequest{}, []string{a1, a2}},
		{"coordinator asks for another organisation", coordinator(orgA.GetId(), "0580"), &pb.ListVolunteersRequest{OrganisationId: orgB.GetId()}, nil},
		{"coordinator asks for another municipality", coordinator(orgA.GetId(), "0580"), &pb.ListVolunteersRequest{MunicipalityCode: "1880"}, nil},
		{"operator", operator, &pb.ListVolunteersRequest{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Walk pages of 2 to check tokens and totals together.
			var got []string
			req := proto.Clone(tc.req).(*pb.ListVolunteersRequest)
			req.PageSize = 2
			for range 10 {
				res, err := h.client.ListVolunteers(ctx, req, h.as(t, tc.who))
				if err != nil {
					t.Fatal(err)
				}
				if int(res.GetTotalSize()) != len(tc.want) {
					t.Errorf("total_size = %d, want %d", res.GetTotalSize(), len(tc.want))
				}
				if len(res.GetVolunteers()) > 2 {
					t.Fatalf("page of %d, want at most 2", len(res.GetVolunteers()))
				}
				for _, v := range res.GetVolunteers() {
					got = append(got, v.GetId())
				}
				if res.GetNextPageToken() == "" {
					break
				}
				req.PageToken = res.GetNextPageToken()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}

	for _, tc := range []struct {
		name  string
		req   *pb.ListVolunteersRequest
		field string
	}{
		{"bad token", &pb.ListVolunteersRequest{PageToken: "not-a-token"}, "page_token"},
		{"page too big", &pb.ListVolunteersRequest{PageSize: 501}, "page_size"},
		{"bad municipality", &pb.ListVolunteersRequest{MunicipalityCode: "12"}, "municipality_code"},
		{"bad language", &pb.ListVolunteersRequest{Language: "zz9"}, "language"},
		{"bad role", &pb.ListVolunteersRequest{Role: 77}, "role"},
		{"bad organisation", &pb.ListVolunteersRequest{OrganisationId: "a b"}, "organisation_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client.ListVolunteers(ctx, tc.req, h.as(t, admin))
			wantCode(t, err, codes.InvalidArgument)
			if !hasViolation(err, tc.field) {
				t.Errorf("violations %v, want one for %s", err, tc.field)
			}
		})
	}
}
