package core

import (
	"context"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// UnmatchedRow is a newcomer a matching job left without a proposal, as the
// coordinator's page shows them: who, where, why, and for a newcomer whose
// mentors were all taken, those mentors by name.
type UnmatchedRow struct {
	ParticipantID, ParticipantName, MunicipalityCode string
	Reason                                           mentoringv1.UnmatchedReason
	// Mentors are the eligible mentors' names, best first, with the
	// points the pair would have had (MENTORS_FULL only).
	Mentors []UnmatchedMentor
}

// UnmatchedMentor is one mentor a newcomer could have had.
type UnmatchedMentor struct {
	Name  string
	Score int32
}

// unmatchedMentorsShown bounds the mentors named per newcomer: the page
// says who was closest, not every mentor in the municipality.
const unmatchedMentorsShown = 3

// ListUnmatched pages through the newcomers job id left without a proposal,
// with names. A coordinator sees who is left out (issue of ADR 0137: the
// job said "333 utan förslag" and nothing showed who). The mentoring
// service checks the caller's scope on the job; the names are read only for
// the rows it returned. The rows are about people, so the read is audited.
func (g *Gateway) ListUnmatched(ctx context.Context, c Caller, id string, size int32, token string) ([]UnmatchedRow, int32, string, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, 0, "", err
	}
	res, err := m.ListUnmatched(sctx, &mentoringv1.ListUnmatchedRequest{JobId: id, PageSize: size, PageToken: token})
	var ids []string
	for _, u := range res.GetUnmatched() {
		ids = append(ids, u.GetParticipantId())
	}
	if err := g.recordList(ctx, c, "participant", ids, err); err != nil {
		return nil, 0, "", err
	}
	rows := make([]UnmatchedRow, 0, len(res.GetUnmatched()))
	for _, u := range res.GetUnmatched() {
		r := UnmatchedRow{ParticipantID: u.GetParticipantId(), MunicipalityCode: u.GetMunicipalityCode(), Reason: u.GetReason()}
		// A name that cannot be read now (erased since) leaves the row
		// nameless rather than failing the page.
		r.ParticipantName, _ = g.Backend.ParticipantName(ctx, u.GetParticipantId())
		for _, e := range u.GetEligible() {
			if len(r.Mentors) == unmatchedMentorsShown {
				break
			}
			if n, err := g.Backend.VolunteerName(ctx, e.GetVolunteerId()); err == nil {
				r.Mentors = append(r.Mentors, UnmatchedMentor{Name: n, Score: e.GetScore()})
			}
		}
		rows = append(rows, r)
	}
	return rows, res.GetTotalSize(), res.GetNextPageToken(), nil
}
