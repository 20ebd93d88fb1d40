package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// TestFreeHintOnLeftOutPages: the three left-out pages (mentoring's
// unmatched, the dinners page's unseated parties, guides' unassigned)
// say, after the reasons, that rejecting the open proposals that hold
// full places frees them, with a link to every job's proposals of that
// programme, in Swedish and English, when an open proposal holds a place;
// with only approved ones holding them (nothing a rejection frees) the
// sentence and the link are absent (ADR 0171 addendum).
func TestFreeHintOnLeftOutPages(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tmpl string
		data func(p *page, byProposals int32) any
		href string
		sv   string
		en   string
	}{
		{"unmatched", func(p *page, n int32) any {
			us := []*gatewayv1.UnmatchedNewcomerView{{ParticipantId: "p1", ParticipantName: "Abdi Nur", MunicipalityCode: "0180",
				Reason:  mentoringv1.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL,
				Mentors: []*gatewayv1.UnmatchedMentor{{Name: "Karin Andersson", Score: 80, HeldByProposals: n, HeldByPairs: 1}}}}
			return &unmatchedData{Job: jobRow{jobView: jobView{ID: "j-1"}}, Rows: []unmatchedRow{{ID: "p1", Name: "Abdi Nur", Why: unmatchedWhy(p, us[0], nil)}},
				Free: newFreeHint(p, "mentoring", mentorsHeldByProposals(us))}
		}, `<a href="/matching#proposals">`,
			"Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen; kör sedan matchningen igen. " +
				`<a href="/matching#proposals">Förslag att granska</a>`,
			"Places held by proposals not yet approved are freed when you reject those proposals; then run the matching again. " +
				`<a href="/matching#proposals">Proposals to review</a>`},
		{"dinners", func(p *page, n int32) any {
			us := []*dinnersv1.UnseatedParty{{SignUpId: "s1", Reason: dinnersv1.UnseatedReason_UNSEATED_REASON_DINNERS_FULL}}
			full := &dinnersv1.FullDinners{Dinners: 1, SeatsHeldByProposals: n, SeatsHeldByApproved: 2}
			return &dinnersMatchingData{Available: true, Job: "j-1", Unseated: unseatedLines(p, us, full),
				Free: newFreeHint(p, "dinners", dinnersHeldByProposals(us, full))}
		}, `<a href="/dinners#proposals">`,
			"Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen; kör sedan matchningen igen. " +
				`<a href="/dinners#proposals">Förslag att granska</a>`,
			"Seats held by proposals not yet approved are freed when you reject those proposals; then run the matching again. " +
				`<a href="/dinners#proposals">Proposals to review</a>`},
		{"guides_unassigned", func(p *page, n int32) any {
			us := []*gatewayv1.GuideUnassignedView{{ParticipantId: "g1", ParticipantName: "Iryna Berhane", MunicipalityCode: "0880",
				Reason:    guidesv1.UnassignedReason_UNASSIGNED_REASON_UNITS_FULL,
				FullUnits: []*gatewayv1.GuideFullUnitView{{OrganisationName: "Lotsarna i Kalmar", Language: "ar", Score: 60, HeldByProposals: n, HeldByAssignments: 1}}}}
			return &guideUnassignedData{Job: guideJobView{ID: "j-1"}, Rows: []unmatchedRow{{ID: "g1", Name: "Iryna Berhane", Why: guideUnassignedWhy(p, us[0])}},
				Free: newFreeHint(p, "guides", unitsHeldByProposals(us))}
		}, `<a href="/guides/assign#proposals">`,
			"Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen; kör sedan tilldelningen igen. " +
				`<a href="/guides/assign#proposals">Förslag att granska</a>`,
			"Places held by proposals not yet approved are freed when you reject those proposals; then run the assignment again. " +
				`<a href="/guides/assign#proposals">Proposals to review</a>`},
	} {
		for _, lang := range []string{"sv", "en"} {
			want := map[string]string{"sv": tt.sv, "en": tt.en}[lang]
			for _, n := range []int32{2, 0} {
				p := benchPage()
				p.Lang, p.ctx = lang, context.Background()
				p.Data = tt.data(p, n)
				rec := httptest.NewRecorder()
				if err := w.render(rec, p, 200, tt.tmpl); err != nil {
					t.Fatalf("%s, %s, %d: %v", tt.tmpl, lang, n, err)
				}
				body := rec.Body.String()
				if n > 0 && !strings.Contains(body, want) {
					t.Errorf("%s in %s, %d held by proposals: no\n%q\nin\n%s", tt.tmpl, lang, n, want, body)
				}
				if n == 0 && (strings.Contains(body, `id="free-hint"`) || strings.Contains(body, tt.href)) {
					t.Errorf("%s in %s, none held by proposals: the hint is there", tt.tmpl, lang)
				}
			}
		}
	}
}
