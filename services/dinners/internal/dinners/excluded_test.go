package dinners

import (
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/dinners/internal/rules"
)

// TestSnapshotOfBeforeStillExcludes: a job snapshotted before ADR 0263
// holds (party, offer, date) keys only; built after, each still leaves
// out its one dinner and no other, and a snapshot of now leaves out the
// offer's every dinner for a turned-down party.
func TestSnapshotOfBeforeStillExcludes(t *testing.T) {
	t.Parallel()
	o := &pb.Offer{Id: "o1", MunicipalityCode: "0184", Seats: 4}
	s := &pb.SignUp{Id: "s1", MunicipalityCode: "0180", Dates: []string{"2026-05-10", "2026-05-12"},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C}
	tables := []*pb.JobTable{{OfferId: "o1", Date: "2026-05-10", FreeSeats: 4}, {OfferId: "o1", Date: "2026-05-12", FreeSeats: 4}}
	r, err := rules.Parse("default.yaml", rules.DefaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		excluded []string
		want     [2]rules.Stage
	}{
		{"before: one dinner", []string{rules.SeatingKey("s1", "o1", "2026-05-10")}, [2]rules.Stage{rules.ProposedBefore, rules.Fits}},
		{"now: the offer", []string{rules.OfferKey("s1", "o1")}, [2]rules.Stage{rules.ProposedBefore, rules.ProposedBefore}},
	} {
		in, err := input(&pb.JobSnapshot{Today: "2026-05-01", SignUps: []*pb.SignUp{s}, Offers: []*pb.Offer{o}, Tables: tables, Excluded: tc.excluded})
		if err != nil {
			t.Fatal(err)
		}
		for k, tb := range tables {
			if got := r.Check(in, s, o, tb); got != tc.want[k] {
				t.Errorf("%s: %s's stage %v, want %v", tc.name, tb.GetDate(), got, tc.want[k])
			}
		}
	}
}

// TestExcludedPairsCountsTheOffersDinnersOnTheDates: a turned-down
// party's pairs are the offer's dinners on its dates, and the one it
// was proposed at; another end counts its one dinner; each pair once.
func TestExcludedPairsCountsTheOffersDinnersOnTheDates(t *testing.T) {
	t.Parallel()
	tables := []*pb.JobTable{{OfferId: "o1", Date: "d10"}, {OfferId: "o1", Date: "d12"}, {OfferId: "o1", Date: "d14"}, {OfferId: "o2", Date: "d10"}}
	before := []priorSeating{
		{party: "s1", offer: "o1", date: "d10", dates: []string{"d10", "d12"}, offerWide: true},
		{party: "s1", offer: "o1", date: "d12", dates: []string{"d10", "d12"}, offerWide: true}, // the same pairs again
		{party: "s2", offer: "o1", date: "d14", dates: []string{"d10"}},                         // its one dinner
		{party: "s3", offer: "o3", date: "d10", dates: []string{"d10"}, offerWide: true},        // not in the job
	}
	if got := excludedPairs(before, tables); got != 3 {
		t.Errorf("excludedPairs = %d, want 3 (s1 at o1's d10 and d12, s2 at o1's d14)", got)
	}
}
