package core

import (
	"context"

	"google.golang.org/grpc/status"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// unmatchedMentorsShown bounds the mentors named per newcomer: the list
// says who was closest, not every mentor in the municipality.
const unmatchedMentorsShown = 3

// ListUnmatchedNewcomers pages through the newcomers a job left without a
// proposal, with names, so a coordinator sees who is left out and can
// follow them up (ADR 0137: the job said "333 utan förslag" and nothing
// showed who). The mentoring service checks the caller's scope on the job
// and the request's bounds; the names are read only for the rows it
// returned, the newcomers' with when each was registered, in one call
// per service with the full mentors the reasons name (ADR 0228: the page
// read each newcomer alone). The rows are about people, so the read is
// audited.
func (g *Gateway) ListUnmatchedNewcomers(ctx context.Context, c Caller, r *gatewayv1.ListUnmatchedNewcomersRequest) (*gatewayv1.ListUnmatchedNewcomersResponse, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := m.ListUnmatched(sctx, &mentoringv1.ListUnmatchedRequest{JobId: r.GetJobId(), PageSize: r.GetPageSize(), PageToken: r.GetPageToken()})
	var ids []string
	for _, u := range res.GetUnmatched() {
		ids = append(ids, u.GetParticipantId())
	}
	if err := g.recordList(ctx, c, "participant", ids, err); err != nil {
		return nil, err
	}
	newcomers, mentors, err := g.leftOutNames(ctx, res.GetUnmatched())
	if err != nil {
		return nil, err
	}
	out := &gatewayv1.ListUnmatchedNewcomersResponse{NextPageToken: res.GetNextPageToken(), TotalSize: res.GetTotalSize()}
	for _, u := range res.GetUnmatched() {
		v := &gatewayv1.UnmatchedNewcomerView{ParticipantId: u.GetParticipantId(), MunicipalityCode: u.GetMunicipalityCode(), Reason: u.GetReason()}
		// A newcomer erased since leaves the row nameless rather than
		// failing the list; a name the service cannot give now failed it.
		if n, ok := newcomers[u.GetParticipantId()]; ok {
			v.ParticipantName, v.ParticipantRegistered = n.Name, n.Registered
		}
		for _, e := range u.GetEligible() {
			if len(v.Mentors) == unmatchedMentorsShown {
				break
			}
			// An erased mentor is not named among the closest.
			if n, ok := mentors[e.GetVolunteerId()]; ok {
				v.Mentors = append(v.Mentors, &gatewayv1.UnmatchedMentor{VolunteerId: e.GetVolunteerId(), Name: n.Name, MunicipalityCode: n.MunicipalityCode,
					Score: e.GetScore(), HeldByProposals: e.GetHeldByProposals(), HeldByPairs: e.GetHeldByPairs(), HeldByThisJob: e.GetHeldByThisJob()})
			}
		}
		out.Unmatched = append(out.Unmatched, v)
	}
	return out, nil
}

var volunteerOnly = []backend.Kind{backend.Volunteer}

// leftOutNames names a page of left-out newcomers, with when each was
// registered (which tells namesakes apart on the row), and the mentors
// their reasons name (each newcomer's first unmatchedMentorsShown
// eligible mentors who are still there), with their municipality, so a
// reason says "Berit Andersson, Kalmar" as the lists do (ADR 0222). The
// newcomers and the mentors the cache lacks are asked in one call to
// each service at once (Backend.PeopleNames), where each newcomer was a
// GetParticipant of its own (ADR 0228); one more call only when an
// erased mentor leaves a newcomer short of names (the next eligible are
// asked then). A newcomer erased since is in neither map. A participants
// service older than ADR 0228 names no registration: those newcomers are
// read whole, one by one, as before. Returns errNoNames when names
// cannot be read now.
func (g *Gateway) leftOutNames(ctx context.Context, us []*mentoringv1.UnmatchedNewcomer) (newcomers, mentors map[string]backend.PersonName, err error) {
	isNewcomer := map[string]bool{}
	var round []string
	for _, u := range us {
		if id := u.GetParticipantId(); !isNewcomer[id] {
			isNewcomer[id] = true
			round = append(round, id)
		}
	}
	kinds := func(id string) []backend.Kind {
		if isNewcomer[id] {
			return newcomerOnly
		}
		return volunteerOnly
	}
	newcomers, mentors = map[string]backend.PersonName{}, map[string]backend.PersonName{}
	asked := map[string]bool{}
	for {
		for _, u := range us {
			named := 0
			for _, e := range u.GetEligible() {
				if named == unmatchedMentorsShown {
					break
				}
				id := e.GetVolunteerId()
				if _, ok := mentors[id]; ok {
					named++
				} else if !asked[id] {
					asked[id] = true
					round = append(round, id)
					named++
				}
			}
		}
		if len(round) == 0 {
			break
		}
		got, err := g.Backend.PeopleNames(ctx, round, kinds)
		if err != nil {
			g.Log.WarnContext(ctx, "name lookup failed", "code", status.Code(err).String())
			return nil, nil, errNoNames
		}
		for id, n := range got {
			if isNewcomer[id] {
				newcomers[id] = n
			} else {
				mentors[id] = n
			}
		}
		round = nil
	}
	for id, n := range newcomers {
		if n.Registered != nil {
			continue
		}
		pv, err := g.Backend.ParticipantView(ctx, id)
		ok, err := g.found(ctx, err)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			n.Registered = pv.GetCreateTime()
			newcomers[id] = n
		} else {
			delete(newcomers, id)
		}
	}
	return newcomers, mentors, nil
}
