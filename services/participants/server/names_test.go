package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestSearchByName: names are sealed, so a search goes through the blind
// index (docs/adr/0084). A newcomer is found by a first name, by the
// start of a name as typed, and without the name's diacritics; an erased
// one is found no more; another organisation's newcomers never are.
func TestSearchByName(t *testing.T) {
	t.Parallel()
	e := startSealed(t)
	ctx := testutil.Context(t)
	create := func(who auth.Claims, org, given, family string) string {
		t.Helper()
		p := newcomer("0180")
		p.OrganisationId, p.GivenName, p.FamilyName = org, given, family
		res, err := e.as(who).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetParticipant().GetId()
	}
	asa := create(coordA, orgA, "Åsa", "Öberg")
	mohammed := create(coordA, orgA, "Mohammed", "Al-Hassan")
	zoe := create(coordA, orgA, "Zoë", "Kim")
	other := create(coordB, orgB, "Åsa", "Lind") // same first name, another organisation

	search := func(who auth.Claims, name string) []string {
		t.Helper()
		res, err := e.as(who).ListParticipants(ctx, &pb.ListParticipantsRequest{Name: name})
		if err != nil {
			t.Fatalf("search %q: %v", name, err)
		}
		var out []string
		for _, p := range res.GetParticipants() {
			out = append(out, p.GetId())
		}
		if int(res.GetTotalSize()) != len(out) {
			t.Errorf("search %q: total %d, listed %d", name, res.GetTotalSize(), len(out))
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	for _, tt := range []struct {
		name string
		who  auth.Claims
		q    string
		want []string
	}{
		{"first name", coordA, "Mohammed", []string{mohammed}},
		{"prefix as typed", coordA, "moh", []string{mohammed}},
		{"family name part after a hyphen", coordA, "hass", []string{mohammed}},
		{"without diacritics", coordA, "asa", []string{asa}},
		{"with diacritics and upper case", coordA, "ÅSA", []string{asa}},
		{"family name without diacritics", coordA, "oberg", []string{asa}},
		{"diaeresis dropped", coordA, "zoe", []string{zoe}},
		{"two words, both must match", coordA, "åsa öbe", []string{asa}},
		{"two words, one from another person", coordA, "asa kim", nil},
		{"another organisation's Åsa is never found", coordA, "Lind", nil},
		{"the other coordinator finds only their own", coordB, "asa", []string{other}},
		{"an admin finds both", admin, "asa", sorted(asa, other)},
		{"two letters match whole words only", coordA, "mo", nil},
		{"no such name", coordA, "Nobody", nil},
	} {
		if got := search(tt.who, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: search %q = %v, want %v", tt.name, tt.q, got, tt.want)
		}
	}

	// A search within a municipality keeps both filters.
	res, err := e.as(coordA).ListParticipants(ctx, &pb.ListParticipantsRequest{Name: "asa", MunicipalityCode: "0880"})
	if err != nil || len(res.GetParticipants()) != 0 {
		t.Errorf("search in 0880 = %v, %v; want none (Åsa lives in 0180)", res.GetParticipants(), err)
	}

	if _, err := e.as(coordA).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: asa}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if got := search(admin, "asa"); !slices.Equal(got, []string{other}) {
			return fmt.Errorf("after erasure, search asa = %v, want only %s", got, other)
		}
		return nil
	})
	if got := search(coordA, "oberg"); len(got) != 0 {
		t.Errorf("after erasure, search oberg = %v, want none", got)
	}
}

// TestSearchByNameBadInput: a name search is validated like every filter.
func TestSearchByNameBadInput(t *testing.T) {
	t.Parallel()
	e := startSealed(t)
	ctx := testutil.Context(t)
	for _, q := range []string{strings.Repeat("a", 101), "ab\x00cd", "-- !!", "a b c d e f"} {
		_, err := e.as(coordA).ListParticipants(ctx, &pb.ListParticipantsRequest{Name: q})
		if code(err) != codes.InvalidArgument {
			t.Errorf("search %q: %v, want InvalidArgument", q, err)
			continue
		}
		if f := servicetest.ViolatedFields(err); !slices.Equal(f, []string{"name"}) {
			t.Errorf("search %q: violations on %v, want name", q, f)
		}
	}
}
