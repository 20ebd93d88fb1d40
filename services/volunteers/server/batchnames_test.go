package server_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestBatchGetVolunteerNames: a page's volunteers named in one call (ADR
// 0222), each as GetVolunteer reads them for the caller: another
// organisation's, another municipality's, an erased one and an id of no
// one are all left out alike (no error, nothing to tell them apart), a
// repeated id is named once, and the input is checked as every RPC's.
func TestBatchGetVolunteerNames(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	a, b := h.mustOrg(t, "Förening A", "0180", "0880").GetId(), h.mustOrg(t, "Förening B", "0180").GetId()
	ca, caMalmo, cb := coordinator(a, "0180", "0880"), auth.Claims{Subject: "coord-malmo", Role: auth.RoleCoordinator, Organisation: a, Municipalities: []string{"0880"}}, coordinator(b, "0180")
	create := func(who auth.Claims, org, muni, given string) string {
		v := volunteerIn(org, muni)
		v.GivenName = given
		return h.mustVolunteer(t, who, v).GetId()
	}
	stockholm := create(ca, a, "0180", "Astrid")
	malmo := create(ca, a, "0880", "Berit")
	other := create(cb, b, "0180", "Cecilia")
	erased := create(ca, a, "0180", "Dana")
	if _, err := h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: erased}, h.as(t, admin)); err != nil {
		t.Fatal(err)
	}
	noOne := ids.UUIDv7{}.New()
	asked := []string{other, malmo, erased, stockholm, noOne, malmo}
	for _, tc := range []struct {
		caller auth.Claims
		want   []string
	}{
		{admin, []string{other + " Cecilia Lindqvist, 0180", malmo + " Berit Lindqvist, 0880", stockholm + " Astrid Lindqvist, 0180"}},
		{ca, []string{malmo + " Berit Lindqvist, 0880", stockholm + " Astrid Lindqvist, 0180"}},
		{caMalmo, []string{malmo + " Berit Lindqvist, 0880"}},
		{cb, []string{other + " Cecilia Lindqvist, 0180"}},
		{operator, nil}, // operators read nothing personal: Get hides every record
	} {
		res, err := h.client.BatchGetVolunteerNames(ctx, &pb.BatchGetVolunteerNamesRequest{Ids: asked}, h.as(t, tc.caller))
		if err != nil {
			t.Fatalf("%s: %v", tc.caller.Subject, err)
		}
		var got []string
		for _, n := range res.GetNames() {
			got = append(got, n.GetId()+" "+n.GetGivenName()+" "+n.GetFamilyName()+", "+n.GetMunicipalityCode())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: names %q, want %q", tc.caller.Subject, got, tc.want)
		}
	}
	// Get's own answer for each left out: NotFound, alike.
	for _, id := range []string{other, erased, noOne} {
		if _, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: id}, h.as(t, ca)); status.Code(err) != codes.NotFound {
			t.Errorf("coordinator A's Get %s: %v, want NotFound", id, err)
		}
	}
	_, err := h.client.BatchGetVolunteerNames(ctx, &pb.BatchGetVolunteerNamesRequest{Ids: asked})
	wantCode(t, err, codes.Unauthenticated)

	full := make([]string, people.MaxNameIDs)
	for i := range full {
		full[i] = ids.UUIDv7{}.New()
	}
	if res, err := h.client.BatchGetVolunteerNames(ctx, &pb.BatchGetVolunteerNamesRequest{Ids: full}, h.as(t, admin)); err != nil || len(res.GetNames()) != 0 {
		t.Errorf("%d ids of no one: %v, %v; want no names and no error", len(full), res.GetNames(), err)
	}
	for _, tc := range []struct {
		name   string
		ids    []string
		fields []string
	}{
		{"one over the cap", append(full, stockholm), []string{"ids"}},
		{"not ids", []string{stockholm, "a.b", "", strings.Repeat("a", 65)}, []string{"ids[1]", "ids[2]", "ids[3]"}},
	} {
		_, err := h.client.BatchGetVolunteerNames(ctx, &pb.BatchGetVolunteerNamesRequest{Ids: tc.ids}, h.as(t, admin))
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", tc.name, err)
			continue
		}
		if f := servicetest.ViolatedFields(err); !slices.Equal(f, tc.fields) {
			t.Errorf("%s: violations on %v, want %v", tc.name, f, tc.fields)
		}
	}
}
