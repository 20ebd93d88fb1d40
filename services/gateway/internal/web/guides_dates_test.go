package web

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
)

// TestGuidanceDates: the follow-up page (Lotsningar) shows when each
// guidance started, or was assigned, and when the establishment period
// ends, in the page's language, and marks a running guidance on or past
// that day; a proposal, or an unknown end, is never marked (ADR 0139).
func TestGuidanceDates(t *testing.T) {
	t.Parallel()
	// 23:30 UTC on 13 March is 14 March in Stockholm.
	started := timestamppb.New(time.Date(2026, 3, 13, 23, 30, 0, 0, time.UTC))
	assigned := timestamppb.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	const today = "2027-12-01"
	active := eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE
	tests := []struct {
		name, lang string
		a          *guidesv1.Assignment
		want       []string
		past       bool
	}{
		{"active, ends today", "sv", &guidesv1.Assignment{Status: active, AssignTime: assigned, StartTime: started, PeriodEndDate: "2027-12-01"},
			[]string{"Började 2026-03-14", "Etableringstiden slutar 2027-12-01"}, true},
		{"active, ends today", "en", &guidesv1.Assignment{Status: active, AssignTime: assigned, StartTime: started, PeriodEndDate: "2027-12-01"},
			[]string{"Started 2026-03-14", "Establishment period ends 2027-12-01"}, true},
		{"active, ends tomorrow", "sv", &guidesv1.Assignment{Status: active, StartTime: started, PeriodEndDate: "2027-12-02"},
			[]string{"Började 2026-03-14", "Etableringstiden slutar 2027-12-02"}, false},
		{"active before start_time existed", "en", &guidesv1.Assignment{Status: active, AssignTime: assigned, PeriodEndDate: "2026-01-31"},
			[]string{"Assigned 2026-03-02", "Establishment period ends 2026-01-31"}, true},
		{"assigned, past its end", "sv", &guidesv1.Assignment{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED, AssignTime: assigned, PeriodEndDate: "2027-06-30"},
			[]string{"Tilldelad 2026-03-02", "Etableringstiden slutar 2027-06-30"}, true},
		{"no permit date", "sv", &guidesv1.Assignment{Status: active, StartTime: started},
			[]string{"Började 2026-03-14", "Slutdatum okänt: inget datum för uppehållstillstånd"}, false},
		{"approved, not running", "sv", &guidesv1.Assignment{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED, PeriodEndDate: "2027-06-30"},
			nil, false},
	}
	for _, tt := range tests {
		row := newGuideAssignmentRow(&page{Lang: tt.lang}, &gatewayv1.GuideAssignmentView{Assignment: tt.a}, today)
		if !slices.Equal(row.Dates, tt.want) || row.PastEnd != tt.past {
			t.Errorf("%s (%s): dates %q, past end %v; want %q, %v", tt.name, tt.lang, row.Dates, row.PastEnd, tt.want, tt.past)
		}
	}
	if sv, en := (&page{Lang: "sv"}).t("guides.dates.past_end"), (&page{Lang: "en"}).t("guides.dates.past_end"); sv == en || sv == "guides.dates.past_end" {
		t.Errorf("the mark: sv %q, en %q; want words of each", sv, en)
	}
}
