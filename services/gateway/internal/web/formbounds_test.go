package web

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// TestBoundsAt pins the forms' bounds on days where they could go wrong:
// Stockholm's New Year an hour before UTC's (its day and year, not
// UTC's), and a leap day (a year ahead is 1 March, as the dinners
// service's horizon counts it with AddDate). Checked against the
// services themselves in TestFormBoundsAreTheServices (server).
func TestBoundsAt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		now                            time.Time
		today, yearAhead, birthYearMax string
	}{
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-01-01", "2028-01-01", "2011"},
		{time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), "2026-12-31", "2027-12-31", "2010"},
		{time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), "2028-02-29", "2029-03-01", "2012"},
		// Summer time: 22:30 UTC on 30 June is 00:30 on 1 July (CEST).
		{time.Date(2027, 6, 30, 22, 30, 0, 0, time.UTC), "2027-07-01", "2028-07-01", "2011"},
		{time.Date(2027, 6, 30, 21, 30, 0, 0, time.UTC), "2027-06-30", "2028-06-30", "2011"},
	} {
		b := boundsAt(tc.now)
		if b.Today != tc.today || b.YearAhead != tc.yearAhead || b.VolunteerBirthYearMax != tc.birthYearMax {
			t.Errorf("boundsAt(%s) = %s to %s, birth year to %s; want %s to %s, %s", tc.now, b.Today, b.YearAhead, b.VolunteerBirthYearMax,
				tc.today, tc.yearAhead, tc.birthYearMax)
		}
		if b.Earliest != "1900-01-01" || b.BirthYearMin != "1900" || b.HouseholdMax != "20" || b.RoleCapacityMax != "50" {
			t.Errorf("boundsAt(%s) = %+v", tc.now, b)
		}
	}
}

// TestCheckInDateBounds: an active pair's check-in date is offered from
// the day the pair became active to today, both days in Sweden as the
// mentoring service counts them (ADR 0207), the bounds its refusals "is
// before the pair became active" and "not in the future" hold. The page's
// clock stands at 00:30 on 1 December in Stockholm, still 30 November by
// UTC.
func TestCheckInDateBounds(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	active := time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC) // 3 November in Stockholm, 2 November by UTC
	p := benchPage()
	p.now = time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	v := &gatewayv1.PairView{Pair: &mentoringv1.Pair{Id: "pair-1", Status: eventsv1.PairStatus_PAIR_STATUS_ACTIVE,
		ActiveTime: timestamppb.New(active)}, ParticipantName: "Amal", VolunteerName: "Karin"}
	p.Data = newPairPage(p, v, nil)
	var b strings.Builder
	if err := tplOf(t, w, "sv", "pair").ExecuteTemplate(&b, "content", p); err != nil {
		t.Fatal(err)
	}
	if want := `type="date" value="2026-12-01" min="2026-11-03" max="2026-12-01"`; !strings.Contains(b.String(), want) {
		t.Errorf("the check-in date lacks %s:\n%s", want, b.String())
	}
}
