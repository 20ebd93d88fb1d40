package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/match"
)

func TestDefaultParses(t *testing.T) {
	t.Parallel()
	r, err := Parse("default.yaml", DefaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != "2026-01" || r.LargestTable != 12 || r.Area != AreaCounty || !r.SFIClassApart {
		t.Errorf("got %+v", r)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	base := string(DefaultYAML)
	tests := []struct {
		name, in string
		want     []string
	}{
		{"unknown field", base + "colour: blue\n", []string{"f.yaml:", "colour: unknown field"}},
		{"bad level", strings.Replace(base, "swedish_min_level: sfi_b", "swedish_min_level: sfi_x", 1), []string{"f.yaml:9: swedish_min_level: must be one of none, sfi_a"}},
		{"table out of range", strings.Replace(base, "largest_table: 12", "largest_table: 0", 1), []string{"largest_table: must be a whole number from 1 to 30"}},
		{"bad area", strings.Replace(base, "area: county", "area: planet", 1), []string{"area: must be one of municipality, county, distance, any"}},
		{"bad bool", strings.Replace(base, "sfi_class_apart: true", "sfi_class_apart: maybe", 1), []string{"sfi_class_apart: must be true or false"}},
		{"weight twice", strings.Replace(base, "  base: 100", "  base: 100\n  base: 3", 1), []string{"weights.base: given twice"}},
		{"zero base", strings.Replace(base, "  base: 100", "  base: 0", 1), []string{"weights.base: must be above 0"}},
		{"missing", "version: x\n", []string{"swedish_min_level: is required", "weights: is required", "rsvp_days: is required"}},
		{"syntax", "version: [\n", []string{"f.yaml:"}},
		{"empty", "", []string{"empty file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("f.yaml", []byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDeadlines(t *testing.T) {
	t.Parallel()
	r, _ := Parse("d", DefaultYAML)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	// The end of the 7th day in Stockholm (CEST in May), not its noon.
	if got, want := r.RSVPDeadline(now, now.Add(30*24*time.Hour)), time.Date(2026, 5, 8, 21, 59, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("far dinner: got %v, want %v", got, want)
	}
	if got, want := r.RSVPDeadline(now, now.Add(3*24*time.Hour)), now.Add(24*time.Hour); !got.Equal(want) {
		t.Errorf("near dinner: got %v, want %v", got, want)
	}
	if r.LateCancel(now, now.Add(72*time.Hour)) || !r.LateCancel(now, now.Add(47*time.Hour)) {
		t.Error("late cancel window wrong")
	}
}

func party(n int) []*dinnersv1.PartyMember {
	out := []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}}
	for len(out) < n {
		out = append(out, &dinnersv1.PartyMember{Age: 8, Relation: dinnersv1.Relation_RELATION_CHILD})
	}
	return out
}

func TestCheck(t *testing.T) {
	t.Parallel()
	r, _ := Parse("d", DefaultYAML)
	guest := func(f func(*dinnersv1.SignUp)) *dinnersv1.SignUp {
		s := &dinnersv1.SignUp{Id: "s1", MunicipalityCode: "0180", Party: party(2), Dates: []string{"2026-05-10"},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}
		if f != nil {
			f(s)
		}
		return s
	}
	host := func(f func(*dinnersv1.Offer)) *dinnersv1.Offer {
		o := &dinnersv1.Offer{Id: "o1", MunicipalityCode: "0184", Seats: 4,
			Kitchen: &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}, AllergensHandled: []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_NUTS}}}
		if f != nil {
			f(o)
		}
		return o
	}
	table := &dinnersv1.JobTable{OfferId: "o1", Date: "2026-05-10", FreeSeats: 4}
	tests := []struct {
		name  string
		s     *dinnersv1.SignUp
		o     *dinnersv1.Offer
		in    Input
		table *dinnersv1.JobTable
		want  Stage
	}{
		{"fits", guest(nil), host(nil), Input{}, table, Fits},
		{"other date", guest(func(s *dinnersv1.SignUp) { s.Dates = []string{"2026-05-11"} }), host(nil), Input{}, table, NoDate},
		{"diet not served", guest(func(s *dinnersv1.SignUp) { s.Diets = append(s.Diets, typev1.Diet_DIET_VEGAN) }), host(nil), Input{}, table, NoKitchen},
		{"allergen handled", guest(func(s *dinnersv1.SignUp) { s.Allergens = []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_NUTS} }), host(nil), Input{}, table, Fits},
		{"allergen clash", guest(func(s *dinnersv1.SignUp) { s.Allergens = []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_FISH} }), host(nil), Input{}, table, NoKitchen},
		{"pet allergy with pets", guest(func(s *dinnersv1.SignUp) { s.Allergens = []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_PETS} }), host(func(o *dinnersv1.Offer) { o.Pets = true }), Input{}, table, NoKitchen},
		{"pet allergy no pets", guest(func(s *dinnersv1.SignUp) { s.Allergens = []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_PETS} }), host(nil), Input{}, table, Fits},
		{"other county", guest(nil), host(func(o *dinnersv1.Offer) { o.MunicipalityCode = "0880" }), Input{}, table, NoReach},
		{"low swedish, no language", guest(func(s *dinnersv1.SignUp) { s.SwedishLevel = typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A }), host(nil), Input{}, table, NoReach},
		{"low swedish, shared language", guest(func(s *dinnersv1.SignUp) {
			s.SwedishLevel, s.Languages = typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A, []string{"ar"}
		}), host(func(o *dinnersv1.Offer) { o.Languages = []string{"en", "ar"} }), Input{}, table, Fits},
		{"all-female party, all-male host", guest(func(s *dinnersv1.SignUp) { s.Composition = dinnersv1.Composition_COMPOSITION_ALL_FEMALE }),
			host(func(o *dinnersv1.Offer) { o.Composition = dinnersv1.Composition_COMPOSITION_ALL_MALE }), Input{}, table, NoReach},
		{"all-male party, all-female host", guest(func(s *dinnersv1.SignUp) { s.Composition = dinnersv1.Composition_COMPOSITION_ALL_MALE }),
			host(func(o *dinnersv1.Offer) { o.Composition = dinnersv1.Composition_COMPOSITION_ALL_FEMALE }), Input{}, table, Fits},
		{"turned down before", guest(nil), host(nil), Input{Excluded: map[string]bool{SeatingKey("s1", "o1", "2026-05-10"): true}}, table, ProposedBefore},
		// ADR 0263: a party turned down at one of the host's dinners is
		// not proposed to the host's other dates; another host's offer
		// and another party are not excluded.
		{"turned down by the host on another date", guest(nil), host(nil),
			Input{Excluded: map[string]bool{OfferKey("s1", "o1"): true}}, table, ProposedBefore},
		{"turned down by another host", guest(nil), host(nil),
			Input{Excluded: map[string]bool{OfferKey("s1", "o2"): true, OfferKey("s2", "o1"): true}}, table, Fits},
		{"proposed before at another date of the offer (a snapshot of before)", guest(nil), host(nil),
			Input{Excluded: map[string]bool{SeatingKey("s1", "o1", "2026-05-17"): true}}, table, Fits},
		// Out of reach anyway: the party would not fit it either way.
		{"turned down before, other county", guest(nil), host(func(o *dinnersv1.Offer) { o.MunicipalityCode = "0880" }),
			Input{Excluded: map[string]bool{SeatingKey("s1", "o1", "2026-05-10"): true}}, table, NoReach},
		// Never again there, whatever its seats (ADR 0252).
		{"turned down before, too few seats", guest(func(s *dinnersv1.SignUp) { s.Party = party(5) }), host(nil),
			Input{Excluded: map[string]bool{SeatingKey("s1", "o1", "2026-05-10"): true}}, table, ProposedBefore},
		{"same sfi class at table", guest(func(s *dinnersv1.SignUp) { s.SfiClass = "sfi-7b" }), host(nil),
			Input{SeatedClasses: map[string]bool{ClassKey("o1", "2026-05-10", "sfi-7b"): true}}, table, NoReach},
		{"party larger than free seats", guest(func(s *dinnersv1.SignUp) { s.Party = party(5) }), host(nil), Input{}, table, NoSeats},
		{"party exactly the free seats", guest(func(s *dinnersv1.SignUp) { s.Party = party(4) }), host(nil), Input{}, table, Fits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.Check(&tt.in, tt.s, tt.o, tt.table); got != tt.want {
				t.Errorf("got stage %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFamiliesAndDistance(t *testing.T) {
	t.Parallel()
	r, _ := Parse("d", DefaultYAML)
	fam := &dinnersv1.SignUp{Id: "s", MunicipalityCode: "0180", Composition: dinnersv1.Composition_COMPOSITION_FAMILY,
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_D, Location: &dinnersv1.Location{Lat: 59.33, Lon: 18.06}}
	single := &dinnersv1.Offer{Id: "o", MunicipalityCode: "0180", Composition: dinnersv1.Composition_COMPOSITION_COUPLE}
	if !r.reachOK(fam, single) {
		t.Error("prefer: a family may sit at a couple's table")
	}
	req := *r
	req.Families = FamiliesRequire
	if req.reachOK(fam, single) {
		t.Error("require: a family must sit at a family's table")
	}
	dist := *r
	dist.Area, dist.MaxKm = AreaDistance, 10
	near := &dinnersv1.Offer{MunicipalityCode: "0880", Location: &dinnersv1.Location{Lat: 59.35, Lon: 18.07}}
	far := &dinnersv1.Offer{MunicipalityCode: "0180", Location: &dinnersv1.Location{Lat: 59.86, Lon: 17.64}}
	if !dist.areaOK(fam, near) || dist.areaOK(fam, far) {
		t.Error("distance rule: near must pass, far (Uppsala) must not")
	}
}

func TestScoreParts(t *testing.T) {
	t.Parallel()
	r, _ := Parse("d", DefaultYAML)
	today := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	s := &dinnersv1.SignUp{Id: "s", MunicipalityCode: "0180", FirstTime: true, Languages: []string{"ar"},
		Composition: dinnersv1.Composition_COMPOSITION_FAMILY, CreateTime: timestamppb.New(today.Add(-3 * 7 * 24 * time.Hour))}
	o := &dinnersv1.Offer{MunicipalityCode: "0180", Languages: []string{"ar"}, Composition: dinnersv1.Composition_COMPOSITION_FAMILY}
	got := r.Score(&Input{Today: today}, s, o)
	want := []match.Part{{Name: "base", Points: 100}, {Name: "language", Points: 20}, {Name: "municipality", Points: 30},
		{Name: "family", Points: 20}, {Name: "first_time", Points: 40}, {Name: "waiting", Points: 15}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("part %d: got %v, want %v", k, got[k], want[k])
		}
	}
}

func TestBuildAndUnseated(t *testing.T) {
	t.Parallel()
	r, _ := Parse("d", DefaultYAML)
	offers := map[string]*dinnersv1.Offer{"o1": {Id: "o1", MunicipalityCode: "0180", Seats: 3, Kitchen: &dinnersv1.Kitchen{}}}
	in := &Input{
		SignUps: []*dinnersv1.SignUp{
			{Id: "a", MunicipalityCode: "0180", Party: party(3), Dates: []string{"d1"}, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SAS},
			{Id: "b", MunicipalityCode: "0180", Party: party(2), Dates: []string{"d1"}, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SAS, FirstTime: true},
			{Id: "c", MunicipalityCode: "0180", Party: party(1), Dates: []string{"d2"}, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SAS},
			{Id: "d", MunicipalityCode: "0180", Party: party(1), Dates: []string{"d1"}, Diets: []typev1.Diet{typev1.Diet_DIET_KOSHER}},
		},
		Offers: offers,
		Tables: []*dinnersv1.JobTable{{OfferId: "o1", Date: "d1", FreeSeats: 3}},
	}
	b, err := r.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(b.Instance.Edges), 2; got != want {
		t.Fatalf("edges: got %d, want %d", got, want)
	}
	sol, err := match.Solve(b.Instance)
	if err != nil {
		t.Fatal(err)
	}
	// a (3 seats, 100) and b (2 seats, 140) cannot both sit at 3 seats:
	// b wins.
	if sol.HostOf[1] != 0 || sol.HostOf[0] != -1 {
		t.Errorf("host of: %v", sol.HostOf)
	}
	for id, want := range map[int]Stage{2: NoDate, 3: NoKitchen} {
		if got := r.Unseated(in, in.SignUps[id]); got != want {
			t.Errorf("%s: got stage %d, want %d", in.SignUps[id].GetId(), got, want)
		}
	}
}

// TestSFIClassApartWithinJob: two parties of one SFI class both fit the
// same table and score best there; the job seats them at different tables
// (a conflict class in the engine's instance), and only when the rule is
// on.
func TestSFIClassApartWithinJob(t *testing.T) {
	t.Parallel()
	r, _ := Parse("d", DefaultYAML)
	offers := map[string]*dinnersv1.Offer{
		"near": {Id: "near", MunicipalityCode: "0180", Seats: 6, Kitchen: &dinnersv1.Kitchen{}},
		"far":  {Id: "far", MunicipalityCode: "0184", Seats: 6, Kitchen: &dinnersv1.Kitchen{}},
	}
	guest := func(id, class string) *dinnersv1.SignUp {
		return &dinnersv1.SignUp{Id: id, MunicipalityCode: "0180", Party: party(2), Dates: []string{"d1"},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SAS, SfiClass: class}
	}
	in := &Input{
		SignUps: []*dinnersv1.SignUp{guest("a", "sfi-7b"), guest("b", "sfi-7b"), guest("c", "sfi-2a")},
		Offers:  offers,
		Tables:  []*dinnersv1.JobTable{{OfferId: "near", Date: "d1", FreeSeats: 6}, {OfferId: "far", Date: "d1", FreeSeats: 6}},
	}
	for _, apart := range []bool{true, false} {
		r.SFIClassApart = apart
		b, err := r.Build(in)
		if err != nil {
			t.Fatal(err)
		}
		sol, err := match.Solve(b.Instance)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := match.Verify(b.Instance, sol); err != nil {
			t.Fatal(err)
		}
		host := func(id string) string {
			i := slices.Index(b.NewcomerIDs, id)
			if sol.HostOf[i] < 0 {
				return ""
			}
			return b.HostIDs[sol.HostOf[i]]
		}
		near := TableKey("near", "d1")
		if host("c") != near {
			t.Errorf("apart=%v: c at %q, want %q", apart, host("c"), near)
		}
		same := host("a") == host("b")
		if apart && (same || host("a") == "" || host("b") == "") {
			t.Errorf("apart: a at %q, b at %q; want both seated at different tables", host("a"), host("b"))
		}
		if !apart && (!same || host("a") != near) {
			t.Errorf("rule off: a at %q, b at %q; want both at %q", host("a"), host("b"), near)
		}
	}
}

// TestFullDinners: a full dinner (0 free seats) stays in the input. A
// party it alone fits is left out because the dinners are full (NoSeats),
// not "no dinner on its dates"; a party it and an open dinner fit sits at
// the open one; the full dinner is no host of the instance, so the engine
// never sees a host without seats.
func TestFullDinners(t *testing.T) {
	t.Parallel()
	r, _ := Parse("d", DefaultYAML)
	offers := map[string]*dinnersv1.Offer{
		"full": {Id: "full", MunicipalityCode: "0180", Seats: 4, Kitchen: &dinnersv1.Kitchen{}},
		"open": {Id: "open", MunicipalityCode: "0180", Seats: 4, Kitchen: &dinnersv1.Kitchen{}},
	}
	guest := func(id string, size int, dates ...string) *dinnersv1.SignUp {
		return &dinnersv1.SignUp{Id: id, MunicipalityCode: "0180", Party: party(size), Dates: dates, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SAS}
	}
	in := &Input{
		SignUps: []*dinnersv1.SignUp{
			guest("only-full", 1, "d1"),
			guest("both", 2, "d1", "d2"),
			guest("loser", 3, "d2"), // fits the open dinner, but not beside "both"
			guest("no-date", 1, "d9"),
		},
		Offers: offers,
		Tables: []*dinnersv1.JobTable{{OfferId: "full", Date: "d1", FreeSeats: 0}, {OfferId: "open", Date: "d2", FreeSeats: 3}},
	}
	in.SignUps[1].FirstTime = true // scores more than "loser" at the open table
	b, err := r.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.HostIDs, []string{TableKey("open", "d2")}; !slices.Equal(got, want) {
		t.Errorf("hosts: got %v, want %v (a full dinner is no host)", got, want)
	}
	for k, c := range b.Instance.Capacity {
		if c <= 0 {
			t.Errorf("host %s has capacity %d", b.HostIDs[k], c)
		}
	}
	sol, err := match.Solve(b.Instance)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := match.Verify(b.Instance, sol); err != nil {
		t.Fatal(err)
	}
	host := func(id string) string {
		if h := sol.HostOf[slices.Index(b.NewcomerIDs, id)]; h >= 0 {
			return b.HostIDs[h]
		}
		return ""
	}
	if got, want := host("both"), TableKey("open", "d2"); got != want {
		t.Errorf("both: at %q, want %q", got, want)
	}
	for _, tt := range []struct {
		id   string
		want Stage
	}{{"only-full", NoSeats}, {"loser", Fits}, {"no-date", NoDate}} {
		if h := host(tt.id); h != "" {
			t.Errorf("%s: seated at %q, want left out", tt.id, h)
		}
		if got := r.Unseated(in, in.SignUps[slices.IndexFunc(in.SignUps, func(s *dinnersv1.SignUp) bool { return s.GetId() == tt.id })]); got != tt.want {
			t.Errorf("%s: got stage %d, want %d", tt.id, got, tt.want)
		}
	}
	// The tables at the stage: the full dinner for the party it fits
	// (whose held seats the reason counts, ADR 0171), the open one for the
	// party that lost its seats there, none for the party with no date.
	for _, tt := range []struct {
		su   int
		want []int
	}{{0, []int{0}}, {2, []int{1}}, {3, []int{}}} {
		if _, got := r.UnseatedAt(in, in.SignUps[tt.su], nil); !slices.Equal(got, tt.want) {
			t.Errorf("%s: tables %v, want %v", in.SignUps[tt.su].GetId(), got, tt.want)
		}
	}
}
