package server_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestBatchGetParticipantNames: a page's newcomers named in one call
// (ADR 0222), each as GetParticipant reads them for the caller: another
// organisation's, another municipality's, an erased one and an id of no
// one are all left out alike (no error, nothing to tell them apart), a
// repeated id is named once, each name carries when the newcomer was
// registered, and the input is checked as every RPC's.
func TestBatchGetParticipantNames(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	create := func(c auth.Claims, org, muni, given string) string {
		t.Helper()
		p := newcomer(muni)
		p.OrganisationId, p.GivenName = org, given
		res, err := e.as(c).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetParticipant().GetId()
	}
	stockholm := create(coordA, orgA, "0180", "Amina")
	malmo := create(coordA, orgA, "0880", "Berit")
	other := create(coordB, orgB, "0180", "Cecilia")
	erased := create(coordA, orgA, "0180", "Dana")
	if _, err := e.as(admin).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: erased}); err != nil {
		t.Fatal(err)
	}
	noOne := ids.UUIDv7{}.New()
	asked := []string{other, malmo, erased, stockholm, noOne, malmo}
	named := func(c auth.Claims) []string {
		t.Helper()
		res, err := e.as(c).BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{Ids: asked})
		if err != nil {
			t.Fatalf("%s: %v", c.Subject, err)
		}
		var out []string
		for _, n := range res.GetNames() {
			out = append(out, n.GetId()+" "+n.GetGivenName()+" "+n.GetFamilyName()+", "+n.GetMunicipalityCode())
		}
		return out
	}
	for _, tc := range []struct {
		caller auth.Claims
		want   []string
	}{
		{admin, []string{other + " Cecilia Hassan, 0180", malmo + " Berit Hassan, 0880", stockholm + " Amina Hassan, 0180"}},
		{coordA, []string{malmo + " Berit Hassan, 0880", stockholm + " Amina Hassan, 0180"}},
		{coordB, []string{other + " Cecilia Hassan, 0180"}},
		{coordAOther, nil},
		{operatorUser, nil}, // operators read nothing personal: Get hides every record
	} {
		if got := named(tc.caller); !slices.Equal(got, tc.want) {
			t.Errorf("%s: names %q, want %q", tc.caller.Subject, got, tc.want)
		}
	}
	// Each name carries when the newcomer was registered, as Get shows it
	// (ADR 0228: the left-out page tells namesakes apart by it), read
	// from the store and from the service's cache alike.
	for round := range 2 {
		res, err := e.as(coordA).BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{Ids: []string{stockholm, malmo}})
		if err != nil || len(res.GetNames()) != 2 {
			t.Fatalf("round %d: %v, %v", round, res.GetNames(), err)
		}
		for _, n := range res.GetNames() {
			got, err := e.as(coordA).GetParticipant(ctx, &pb.GetParticipantRequest{Id: n.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			if want := got.GetParticipant().GetCreateTime(); want == nil || !n.GetCreateTime().AsTime().Equal(want.AsTime()) {
				t.Errorf("round %d: %s registered %v, want %v as Get", round, n.GetGivenName(), n.GetCreateTime(), want)
			}
		}
	}
	// Get's own answer for each left out: NotFound, alike.
	for _, id := range []string{other, erased, noOne} {
		if _, err := e.as(coordA).GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); code(err) != codes.NotFound {
			t.Errorf("coordinator A's Get %s: %v, want NotFound", id, err)
		}
	}
	if _, err := e.client("").BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{Ids: asked}); code(err) != codes.Unauthenticated {
		t.Errorf("no token: %v, want Unauthenticated", err)
	}

	full := make([]string, people.MaxNameIDs)
	for i := range full {
		full[i] = ids.UUIDv7{}.New()
	}
	if res, err := e.as(admin).BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{Ids: full}); err != nil || len(res.GetNames()) != 0 {
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
		_, err := e.as(admin).BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{Ids: tc.ids})
		if code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", tc.name, err)
			continue
		}
		if f := servicetest.ViolatedFields(err); !slices.Equal(f, tc.fields) {
			t.Errorf("%s: violations on %v, want %v", tc.name, f, tc.fields)
		}
	}
	if res, err := e.as(admin).BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{}); err != nil || len(res.GetNames()) != 0 {
		t.Errorf("no ids: %v, %v; want no names and no error", res.GetNames(), err)
	}
}
