package volunteer_test

import (
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/services/volunteers/internal/volunteer"
)

func TestCheckValid(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC)
	seen := func(from, until string) *pb.BackgroundCheck {
		return &pb.BackgroundCheck{Seen: true, SeenDate: from, Verifier: "c1", ValidUntil: until}
	}
	for _, tc := range []struct {
		name string
		in   *pb.BackgroundCheck
		want bool
	}{
		{"none", nil, false},
		{"not seen", &pb.BackgroundCheck{}, false},
		// now is 00:30 on 24 November in Sweden, the day that counts
		// (calendar.Today, ADR 0207), though UTC still has the 23rd.
		{"in force", seen("2026-01-01", "2027-01-01"), true},
		{"last valid day", seen("2026-01-01", "2026-11-24"), true},
		{"first day", seen("2026-11-24", "2027-11-24"), true},
		{"expired yesterday in Sweden, today by UTC", seen("2025-11-23", "2026-11-23"), false},
		{"seen tomorrow", seen("2026-11-25", "2027-11-25"), false},
		{"no validity", seen("2026-01-01", ""), false},
	} {
		if got := volunteer.CheckValid(tc.in, now); got != tc.want {
			t.Errorf("%s: CheckValid = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAgeBand(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		year int32
		want int32
	}{
		{0, 0}, {2010, 10}, {1997, 20}, {1996, 30}, {1987, 30}, {1986, 40}, {1926, 100}, {2030, 0},
	} {
		if got := volunteer.AgeBand(tc.year, now); got != tc.want {
			t.Errorf("AgeBand(%d) = %d, want %d", tc.year, got, tc.want)
		}
	}
}

func TestFacts_LeaveOutPersonalData(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	v := &pb.Volunteer{Id: "v1", OrganisationId: "o1", MunicipalityCode: "0180", GivenName: "Astrid",
		BirthYear: 1984, HouseholdSize: 3,
		BackgroundCheck: &pb.BackgroundCheck{Seen: true, SeenDate: "2026-01-01", Verifier: "c1", ValidUntil: "2027-01-01"}}
	f := volunteer.Facts(v, now)
	if f.GetVolunteerId() != "v1" || f.GetOrganisationId() != "o1" || f.GetMunicipalityCode() != "0180" ||
		f.GetAgeBand() != 40 || !f.GetBackgroundCheckValid() || f.GetHouseholdSize() != 3 {
		t.Errorf("Facts = %v", f)
	}
}
