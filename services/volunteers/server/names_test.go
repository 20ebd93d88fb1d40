package server_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSearchByName: volunteers are found by name through the blind index
// (docs/adr/0084) as newcomers are: a first name, a prefix, without
// diacritics; never another organisation's; not after erasure.
func TestSearchByName(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	a, b := h.mustOrg(t, "Förening A", "0180").GetId(), h.mustOrg(t, "Förening B", "0180").GetId()
	ca, cb := coordinator(a, "0180"), coordinator(b, "0180")
	create := func(who auth.Claims, org, given, family string) string {
		v := volunteerIn(org, "0180")
		v.GivenName, v.FamilyName = given, family
		return h.mustVolunteer(t, who, v).GetId()
	}
	jose := create(ca, a, "José", "Ångström")
	create(ca, a, "Astrid", "Lindqvist")
	otherJose := create(cb, b, "José", "Berg")
	search := func(who auth.Claims, name string) []string {
		t.Helper()
		res, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{Name: name}, h.as(t, who))
		if err != nil {
			t.Fatalf("search %q: %v", name, err)
		}
		var out []string
		for _, v := range res.GetVolunteers() {
			out = append(out, v.GetId())
		}
		return out
	}
	for _, tt := range []struct {
		who  auth.Claims
		q    string
		want []string
	}{
		{ca, "José", []string{jose}},
		{ca, "jos", []string{jose}},
		{ca, "angstr", []string{jose}},
		{ca, "Berg", nil},
		{cb, "jose", []string{otherJose}},
	} {
		if got := search(tt.who, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("search %q as %s = %v, want %v", tt.q, tt.who.Organisation, got, tt.want)
		}
	}
	_, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{Name: "¡¡"}, h.as(t, ca))
	wantCode(t, err, codes.InvalidArgument)
	if !hasViolation(err, "name") {
		t.Errorf("bad search: %v, want a violation on name", err)
	}
	if _, err := h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: jose}, h.as(t, ca)); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if got := search(ca, "jose"); len(got) != 0 {
			return fmt.Errorf("after erasure, search jose = %v", got)
		}
		return nil
	})
}
