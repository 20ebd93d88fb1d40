package core

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// personRecordPages bounds the pages of 500 a newcomer's page reads of
// one newcomer's pairs or assignments: far past any real count (a pair
// is made once per newcomer and mentor). Past it the page says some may
// be missing rather than read on.
const personRecordPages = 4

// PersonMentoring is what the mentoring programme holds of one newcomer,
// as far as the caller's scope reaches (ADR 0279).
type PersonMentoring struct {
	// Pairs are every pair of the newcomer the caller may see, in id
	// order, with both names.
	Pairs []*gatewayv1.PairView
	// Waiting is the newcomer's row of the waiting list, nil when they
	// do not wait (in a pair, no mentoring consent, out of scope).
	Waiting *mentoringv1.WaitingNewcomer
	// Partial is set when more pairs were there than were read.
	Partial bool
}

// ParticipantMentoring returns newcomer participantID's pairs and wait,
// for the newcomer's page. The mentoring service is asked for this
// newcomer alone (ListPairs and ListWaitingNewcomers by participant_id)
// under the caller's token, so a coordinator of another organisation
// gets nothing, as for an unknown newcomer. The audit names the pairs
// and the newcomer shown.
func (g *Gateway) ParticipantMentoring(ctx context.Context, c Caller, participantID string) (*PersonMentoring, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &PersonMentoring{}
	var pairs []*mentoringv1.Pair
	token := ""
	for page := 0; ; page++ {
		if page == personRecordPages {
			out.Partial = true
			break
		}
		res, err := m.ListPairs(sctx, &mentoringv1.ListPairsRequest{ParticipantId: participantID, PageSize: 500, PageToken: token})
		if err != nil {
			return nil, g.recordList(ctx, c, "pair", nil, err)
		}
		pairs = append(pairs, res.GetPairs()...)
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	if err := g.recordList(ctx, c, "pair", pairIDs(pairs...), nil); err != nil {
		return nil, err
	}
	for _, p := range pairs {
		v, err := g.view(ctx, c, p)
		if hidden(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Pairs = append(out.Pairs, v)
	}
	res, err := m.ListWaitingNewcomers(sctx, &mentoringv1.ListWaitingNewcomersRequest{ParticipantId: participantID})
	var ids []string
	for _, n := range res.GetNewcomers() {
		ids = append(ids, n.GetParticipantId())
	}
	if err := g.recordList(ctx, c, "participant", ids, err); err != nil {
		return nil, err
	}
	for _, n := range res.GetNewcomers() {
		if n.GetParticipantId() == participantID {
			out.Waiting = n
		}
	}
	return out, nil
}

// PersonGuide is what the guides programme holds of one newcomer, as far
// as the caller's scope reaches (ADR 0279).
type PersonGuide struct {
	// Assignments are every assignment of the newcomer the caller may
	// see, in id order, with the organisation's name.
	Assignments []*gatewayv1.GuideAssignmentView
	// Eligibility is the newcomer's right to a guide now; nil when the
	// guides service does not hold them (no consent to guides) or the
	// caller may not see them.
	Eligibility *guidesv1.Eligibility
	// Partial is set when more assignments were there than were read.
	Partial bool
}

// ParticipantGuide returns newcomer participantID's assignments and
// eligibility, for the newcomer's page: the guides service is asked for
// this newcomer alone (ListAssignments by participant_id, GetEligibility)
// under the caller's token, which keeps a coordinator to their
// municipalities. The audit names the assignments and the newcomer shown.
func (g *Gateway) ParticipantGuide(ctx context.Context, c Caller, participantID string) (*PersonGuide, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &PersonGuide{}
	var as []*guidesv1.Assignment
	token := ""
	for page := 0; ; page++ {
		if page == personRecordPages {
			out.Partial = true
			break
		}
		res, err := gc.ListAssignments(sctx, &guidesv1.ListAssignmentsRequest{ParticipantId: participantID, PageSize: 500, PageToken: token})
		if err != nil {
			return nil, g.recordList(ctx, c, "guide_assignment", nil, err)
		}
		as = append(as, res.GetAssignments()...)
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	if err := g.recordList(ctx, c, "guide_assignment", assignmentIDs(as...), nil); err != nil {
		return nil, err
	}
	for _, a := range as {
		v, err := g.assignmentView(ctx, c, a)
		if err != nil {
			return nil, err
		}
		out.Assignments = append(out.Assignments, v)
	}
	res, err := gc.GetEligibility(sctx, &guidesv1.GetEligibilityRequest{ParticipantId: participantID})
	if status.Code(err) == codes.NotFound {
		return out, nil
	}
	if err := g.recordIDs(ctx, c, "read", "guide_eligibility", participantID, nil, err); err != nil {
		return nil, err
	}
	out.Eligibility = res.GetEligibility()
	return out, nil
}
