package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// TestGuidancePastItsEndIsFlagged (ADR 0148): mp guides assignments adds a
// seventh column that says, in the user's words, that the establishment
// period is over and the guidance should end, as the web's Lotsningar
// flags the row; "-" before that day. The six columns before it are as
// they were, so scripts that cut them read the same.
func TestGuidancePastItsEndIsFlagged(t *testing.T) {
	t.Parallel()
	v := &gatewayv1.GuideAssignmentView{ParticipantName: "Amina", OrganisationName: "Lotsarna", Assignment: &guidesv1.Assignment{
		Id: "a-1", Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE, MunicipalityCode: "0880", Language: "ar",
		StartTime: timestamppb.New(time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)), PeriodEndDate: "2026-12-01"}}
	tests := []struct {
		lang, today, want string
	}{
		{"sv", "2026-11-30", "-"},
		{"sv", "2026-12-01", "etableringstiden är slut: avsluta lotsningen"}, // the end day is out (as eligibility counts it)
		{"en", "2027-01-05", "the establishment period is over: end the guidance"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		printGuidance(env{lang: tt.lang, Out: &out}, v, "", nil, catalog.Guidance(v.GetAssignment(), tt.today))
		cols := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\t")
		if len(cols) != 7 || cols[0] != "a-1" || cols[4] != "2025-03-14" || cols[5] != "2026-12-01" || cols[6] != tt.want {
			t.Errorf("%s on %s: %q; want 7 columns ending in %q", tt.lang, tt.today, out.String(), tt.want)
		}
	}
}
