package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// fakeHeldMentors answers a mentoring job's left-out list: one newcomer,
// one full mentor whose places byProposals open proposals and one active
// pair hold.
type fakeHeldMentors struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
	byProposals int32
}

func (f *fakeHeldMentors) ListUnmatchedNewcomers(context.Context, *connect.Request[gatewayv1.ListUnmatchedNewcomersRequest]) (*connect.Response[gatewayv1.ListUnmatchedNewcomersResponse], error) {
	return connect.NewResponse(&gatewayv1.ListUnmatchedNewcomersResponse{Unmatched: []*gatewayv1.UnmatchedNewcomerView{{
		ParticipantId: "p1", ParticipantName: "Abdi Nur", MunicipalityCode: "0180", Reason: mentoringv1.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL,
		Mentors: []*gatewayv1.UnmatchedMentor{{Name: "Karin Andersson", Score: 80, HeldByProposals: f.byProposals, HeldByPairs: 1}},
	}}}), nil
}

// fakeHeldUnits is fakeHeldMentors for a guides job and a full unit.
type fakeHeldUnits struct {
	gatewayv1connect.UnimplementedGuidesServiceHandler
	byProposals int32
}

func (f *fakeHeldUnits) ListGuideUnassigned(context.Context, *connect.Request[gatewayv1.ListGuideUnassignedRequest]) (*connect.Response[gatewayv1.ListGuideUnassignedResponse], error) {
	return connect.NewResponse(&gatewayv1.ListGuideUnassignedResponse{Unassigned: []*gatewayv1.GuideUnassignedView{{
		ParticipantId: "g1", ParticipantName: "Iryna Berhane", MunicipalityCode: "0880", Reason: guidesv1.UnassignedReason_UNASSIGNED_REASON_UNITS_FULL,
		FullUnits: []*gatewayv1.GuideFullUnitView{{OrganisationName: "Lotsarna i Kalmar", Language: "ar", Score: 60, HeldByProposals: f.byProposals, HeldByAssignments: 1}},
	}}}), nil
}

// fakeHeldDinners is fakeHeldMentors for a dinners job: one party left
// out as DINNERS_FULL at a dinner whose seats byProposals open proposals
// and two confirmed guests hold.
type fakeHeldDinners struct {
	gatewayv1connect.UnimplementedDinnersServiceHandler
	byProposals int32
}

func (f *fakeHeldDinners) ListUnseatedParties(context.Context, *connect.Request[gatewayv1.ListUnseatedPartiesRequest]) (*connect.Response[gatewayv1.ListUnseatedPartiesResponse], error) {
	full := &dinnersv1.FullDinners{Dinners: 1, SeatsHeldByProposals: f.byProposals, SeatsHeldByApproved: 2}
	return connect.NewResponse(&gatewayv1.ListUnseatedPartiesResponse{FullDinners: full, Unseated: []*dinnersv1.UnseatedParty{{
		SignUpId: "s1", MunicipalityCode: "0180", PartySize: 2, Reason: dinnersv1.UnseatedReason_UNSEATED_REASON_DINNERS_FULL, FullDinners: full,
	}}}), nil
}

// TestFreeHintInMp: after a left-out list whose full places open
// proposals hold, mp says that rejecting them frees the places and names
// the programme's commands that list and reject its proposals, in Swedish
// and English (ADR 0171 addendum); with no place held by an open proposal
// (only approved ones, which a rejection cannot free) it says nothing.
func TestFreeHintInMp(t *testing.T) {
	t.Parallel()
	const job = "01a2466c-2053-7b2a-bbad-e834341476c4"
	for _, tt := range []struct {
		args  []string
		mount func(byProposals int32) func(*http.ServeMux)
		sv    string
		en    string
	}{
		{[]string{"jobs", "unmatched", job},
			func(n int32) func(*http.ServeMux) {
				return func(m *http.ServeMux) {
					m.Handle(gatewayv1connect.NewMatchingServiceHandler(&fakeHeldMentors{byProposals: n}))
				}
			},
			"Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen; kör sedan matchningen igen. " +
				"Förslagen listar du med mp proposals list och avvisar med mp proposals reject -reason poor_fit ID.",
			"Places held by proposals not yet approved are freed when you reject those proposals; then run the matching again. " +
				"List the proposals with mp proposals list and reject one with mp proposals reject -reason poor_fit ID."},
		{[]string{"dinners", "unseated", job},
			func(n int32) func(*http.ServeMux) {
				return func(m *http.ServeMux) {
					m.Handle(gatewayv1connect.NewDinnersServiceHandler(&fakeHeldDinners{byProposals: n}))
				}
			},
			"Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen; kör sedan matchningen igen. " +
				"Förslagen listar du med mp dinners proposals list och avvisar med mp dinners reject -reason poor_fit ID.",
			"Seats held by proposals not yet approved are freed when you reject those proposals; then run the matching again. " +
				"List the proposals with mp dinners proposals list and reject one with mp dinners reject -reason poor_fit ID."},
		{[]string{"guides", "jobs", "unassigned", job},
			func(n int32) func(*http.ServeMux) {
				return func(m *http.ServeMux) {
					m.Handle(gatewayv1connect.NewGuidesServiceHandler(&fakeHeldUnits{byProposals: n}))
				}
			},
			"Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen; kör sedan tilldelningen igen. " +
				"Förslagen listar du med mp guides assignments -status proposed och avvisar med mp guides reject -reason poor_fit ID.",
			"Places held by proposals not yet approved are freed when you reject those proposals; then run the assignment again. " +
				"List the proposals with mp guides assignments -status proposed and reject one with mp guides reject -reason poor_fit ID."},
	} {
		for _, lang := range []string{"sv", "en"} {
			want := map[string]string{"sv": tt.sv, "en": tt.en}[lang]
			for _, n := range []int32{2, 0} {
				out, err := runServices(t, lang, tt.mount(n), tt.args...)
				if err != nil {
					t.Fatalf("%s, %s, %d: %v", tt.args[0], lang, n, err)
				}
				lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
				last := lines[len(lines)-1]
				if n > 0 && (len(lines) != 2 || last != want) {
					t.Errorf("mp %s in %s, %d held by proposals: last line\n got %q\nwant %q\n%s", strings.Join(tt.args[:len(tt.args)-1], " "), lang, n, last, want, out)
				}
				if n == 0 && (len(lines) != 1 || strings.Contains(out, "mp ")) {
					t.Errorf("mp %s in %s, none held by proposals: got a hint\n%s", strings.Join(tt.args[:len(tt.args)-1], " "), lang, out)
				}
			}
		}
	}
}
