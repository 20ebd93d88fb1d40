package core

import (
	"context"
	"maps"
	"strings"

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
// returned. The rows are about people, so the read is audited.
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
	mentors, err := g.fullMentors(ctx, res.GetUnmatched())
	if err != nil {
		return nil, err
	}
	out := &gatewayv1.ListUnmatchedNewcomersResponse{NextPageToken: res.GetNextPageToken(), TotalSize: res.GetTotalSize()}
	for _, u := range res.GetUnmatched() {
		v := &gatewayv1.UnmatchedNewcomerView{ParticipantId: u.GetParticipantId(), MunicipalityCode: u.GetMunicipalityCode(), Reason: u.GetReason()}
		// A newcomer erased since leaves the row nameless rather than
		// failing the list; a name the service cannot give now fails it.
		pv, err := g.Backend.ParticipantView(ctx, u.GetParticipantId())
		ok, err := g.found(ctx, err)
		if err != nil {
			return nil, err
		}
		if ok {
			v.ParticipantName = strings.TrimSpace(pv.GetGivenName() + " " + pv.GetFamilyName())
			v.ParticipantRegistered = pv.GetCreateTime()
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

// fullMentors names the mentors the page's reasons name (each newcomer's
// first unmatchedMentorsShown eligible mentors who are still there), with
// their municipality, so a reason says "Berit Andersson, Kalmar" as the
// lists do (ADR 0222): one call to the volunteers service for the page's
// mentors the cache lacks, where each was a read of its own, and one more
// only when an erased mentor leaves a newcomer short of names (the next
// eligible are asked then). Returns errNoNames when names cannot be read.
func (g *Gateway) fullMentors(ctx context.Context, us []*mentoringv1.UnmatchedNewcomer) (map[string]backend.PersonName, error) {
	names := map[string]backend.PersonName{}
	asked := map[string]bool{}
	for {
		var round []string
		for _, u := range us {
			named := 0
			for _, e := range u.GetEligible() {
				if named == unmatchedMentorsShown {
					break
				}
				id := e.GetVolunteerId()
				if _, ok := names[id]; ok {
					named++
				} else if !asked[id] {
					asked[id] = true
					round = append(round, id)
					named++
				}
			}
		}
		if len(round) == 0 {
			return names, nil
		}
		got, err := g.Backend.PeopleNames(ctx, round, func(string) []backend.Kind { return volunteerOnly })
		if err != nil {
			g.Log.WarnContext(ctx, "name lookup failed", "code", status.Code(err).String())
			return nil, errNoNames
		}
		maps.Copy(names, got)
	}
}
