package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// errNoMentoring answers mentoring requests when the gateway has no
// mentoring service configured.
var errNoMentoring = apperr.Errorf(apperr.Unavailable, "matching is not available: the mentoring service is not configured")

// MentoringAvailable reports whether the mentoring screens can work.
func (g *Gateway) MentoringAvailable() bool { return g.Backend.Mentoring != nil }

func (g *Gateway) mentoring(ctx context.Context, c Caller) (context.Context, mentoringv1.MentoringServiceClient, error) {
	if err := personal(c); err != nil {
		return nil, nil, err
	}
	if g.Backend.Mentoring == nil {
		return nil, nil, errNoMentoring
	}
	sctx, err := g.as(ctx, c)
	return sctx, g.Backend.Mentoring, err
}

// scope fills a coordinator's organisation and municipalities in.
func scope(c Caller, org string, munis []string) (string, []string) {
	if c.User.GetRole() == gatewayv1.Role_ROLE_COORDINATOR {
		if org == "" {
			org = c.User.GetOrganisationId()
		}
		if len(munis) == 0 {
			munis = slices.Clone(c.User.GetMunicipalityCodes())
		}
	}
	return org, munis
}

// StartJob queues a matching job.
func (g *Gateway) StartJob(ctx context.Context, c Caller, requestID, org string, munis []string) (*mentoringv1.Job, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	org, munis = scope(c, org, munis)
	res, err := m.StartMatchingJob(sctx, &mentoringv1.StartMatchingJobRequest{RequestId: requestID, OrganisationId: org, MunicipalityCodes: munis})
	if err := g.record(ctx, c, "start", "matching_job", res.GetJob().GetId(), err); err != nil {
		return nil, err
	}
	return publicJob(res.GetJob()), nil
}

// GetJob returns a job. Jobs hold counts, not personal data, so reading
// one is not audited (the progress bar polls it every second).
func (g *Gateway) GetJob(ctx context.Context, c Caller, id string) (*mentoringv1.Job, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := m.GetJob(sctx, &mentoringv1.GetJobRequest{Id: id})
	if err != nil {
		return nil, err
	}
	if msg := res.GetJob().GetErrorMessage(); msg != "" {
		g.Log.WarnContext(ctx, "matching job failed", "job", id, "err", msg)
	}
	return publicJob(res.GetJob()), nil
}

// JobFailed is what callers see of a failed job's error: the mentoring
// service's own message is an internal error chain, kept for the log.
const JobFailed = "the job failed; try again, and tell your administrator if it keeps failing"

// publicJob replaces a job's internal error text with JobFailed.
func publicJob(j *mentoringv1.Job) *mentoringv1.Job {
	if j.GetErrorMessage() == "" {
		return j
	}
	j = proto.Clone(j).(*mentoringv1.Job)
	j.ErrorMessage = JobFailed
	return j
}

// ListJobs pages through jobs, newest first.
func (g *Gateway) ListJobs(ctx context.Context, c Caller, pageSize int32, token string) ([]*mentoringv1.Job, string, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, "", err
	}
	res, err := m.ListJobs(sctx, &mentoringv1.ListJobsRequest{PageSize: pageSize, PageToken: token})
	if err != nil {
		return nil, "", err
	}
	jobs := make([]*mentoringv1.Job, 0, len(res.GetJobs()))
	for _, j := range res.GetJobs() {
		jobs = append(jobs, publicJob(j))
	}
	return jobs, res.GetNextPageToken(), nil
}

// view joins a pair with both names, and when each person was registered,
// which tells namesakes apart (ADR 0170). The pair came from the mentoring
// service under the caller's token, which proves the caller may see it;
// the scope check here is a second wall for the cached names.
func (g *Gateway) view(ctx context.Context, c Caller, p *mentoringv1.Pair) (*gatewayv1.PairView, error) {
	if !c.Claims().CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) {
		return nil, apperr.Errorf(apperr.NotFound, "pair not found")
	}
	v := &gatewayv1.PairView{Pair: p}
	pv, err := g.Backend.ParticipantView(ctx, p.GetParticipantId())
	pok, perr := g.found(ctx, err)
	if pok {
		v.ParticipantName, v.ParticipantRegistered = joinName(pv.GetGivenName(), pv.GetFamilyName()), pv.GetCreateTime()
	}
	vv, err := g.Backend.VolunteerView(ctx, p.GetVolunteerId())
	vok, verr := g.found(ctx, err)
	if vok {
		v.VolunteerName = joinName(vv.GetGivenName(), vv.GetFamilyName())
		v.VolunteerMunicipalityCode, v.VolunteerRegistered = vv.GetMunicipalityCode(), vv.GetCreateTime()
	}
	if pok && vok {
		v.SharedLanguages, v.SharedInterests = shared(pv.GetLanguages(), vv.GetLanguages(), pv.GetInterests(), vv.GetInterests())
	}
	// The view as far as it goes, and errNoNames if a name is missing for
	// any reason but erasure (written keeps it after a change).
	return v, errors.Join(perr, verr)
}

// maxShared caps each list of what a pair shares (ADR 0050: repeated
// fields are bounded, also in responses).
const maxShared = 20

// shared returns the language codes and interests both people list, in
// the newcomer's order: the facts behind the language and interests parts
// of a pair's score.
func shared(nl, ml []*typev1.LanguageSkill, ni, mi []string) (langs, interests []string) {
	for _, a := range nl {
		if len(langs) == maxShared {
			break
		}
		for _, b := range ml {
			if a.GetCode() == b.GetCode() && !slices.Contains(langs, a.GetCode()) {
				langs = append(langs, a.GetCode())
				break
			}
		}
	}
	for _, x := range ni {
		if len(interests) < maxShared && slices.Contains(mi, x) && !slices.Contains(interests, x) {
			interests = append(interests, x)
		}
	}
	return langs, interests
}

func joinName(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}

// ListPairs pages through pairs with both names.
func (g *Gateway) ListPairs(ctx context.Context, c Caller, r *gatewayv1.ListPairsRequest) (*gatewayv1.ListPairsResponse, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := m.ListPairs(sctx, forward(&mentoringv1.ListPairsRequest{}, r))
	if err := g.recordList(ctx, c, "pair", pairIDs(res.GetPairs()...), err); err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListPairsResponse{}, res)
	for _, p := range res.GetPairs() {
		v, err := g.view(ctx, c, p)
		if hidden(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Pairs = append(out.Pairs, v)
	}
	return out, nil
}

// GetPair returns a pair with both names.
func (g *Gateway) GetPair(ctx context.Context, c Caller, id string) (*gatewayv1.PairView, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := m.GetPair(sctx, &mentoringv1.GetPairRequest{Id: id})
	if err := g.recordIDs(ctx, c, "read", "pair", id, pairIDs(res.GetPair()), err); err != nil {
		return nil, err
	}
	return g.view(ctx, c, res.GetPair())
}

// PairAction is a change of a pair's state.
type PairAction struct {
	// Action is approve, reject, replace, accept, decline, check_in or end.
	Action        string
	Party         eventsv1.Party
	RejectReason  eventsv1.RejectReason
	DeclineReason eventsv1.DeclineReason
	EndReason     eventsv1.EndReason
	VolunteerID   string
	CheckIn       *mentoringv1.CheckIn
}

// ChangePair applies a lifecycle action to pair id.
func (g *Gateway) ChangePair(ctx context.Context, c Caller, id string, a PairAction) (*gatewayv1.PairView, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	var p *mentoringv1.Pair
	switch a.Action {
	case "approve":
		var res *mentoringv1.ApproveProposalResponse
		res, err = m.ApproveProposal(sctx, &mentoringv1.ApproveProposalRequest{Id: id})
		p = res.GetPair()
	case "reject":
		var res *mentoringv1.RejectProposalResponse
		res, err = m.RejectProposal(sctx, &mentoringv1.RejectProposalRequest{Id: id, Reason: a.RejectReason})
		p = res.GetPair()
	case "replace":
		var res *mentoringv1.ReplaceCandidateResponse
		res, err = m.ReplaceCandidate(sctx, &mentoringv1.ReplaceCandidateRequest{Id: id, VolunteerId: a.VolunteerID})
		p = res.GetPair()
	case "accept":
		var res *mentoringv1.AcceptOfferResponse
		res, err = m.AcceptOffer(sctx, &mentoringv1.AcceptOfferRequest{Id: id, Party: a.Party})
		p = res.GetPair()
	case "decline":
		var res *mentoringv1.DeclineOfferResponse
		res, err = m.DeclineOffer(sctx, &mentoringv1.DeclineOfferRequest{Id: id, Party: a.Party, Reason: a.DeclineReason})
		p = res.GetPair()
	case "check_in":
		var res *mentoringv1.RecordCheckInResponse
		res, err = m.RecordCheckIn(sctx, &mentoringv1.RecordCheckInRequest{Id: id, CheckIn: a.CheckIn})
		p = res.GetPair()
	case "end":
		var res *mentoringv1.EndPairResponse
		res, err = m.EndPair(sctx, &mentoringv1.EndPairRequest{Id: id, Reason: a.EndReason})
		p = res.GetPair()
	default:
		return nil, apperr.Errorf(apperr.Invalid, "unknown action")
	}
	if err := g.record(ctx, c, a.Action, "pair", id, err); err != nil {
		return nil, err
	}
	return written(g.view(ctx, c, p))
}

// MentoringReport returns the programme report for the caller's scope.
func (g *Gateway) MentoringReport(ctx context.Context, c Caller, r *gatewayv1.GetMentoringReportRequest) (*mentoringv1.GetReportResponse, error) {
	res, _, err := g.MentoringReportAt(ctx, c, r)
	return res, err
}

// MentoringReportAt is MentoringReport with the time its figures were
// computed: they are kept per scope and period like the other figures
// (figures.go; the service reads every pair of the scope), and the page
// says how old they are.
func (g *Gateway) MentoringReportAt(ctx context.Context, c Caller, r *gatewayv1.GetMentoringReportRequest) (*mentoringv1.GetReportResponse, time.Time, error) {
	if err := personal(c); err != nil {
		return nil, time.Time{}, err
	}
	if g.Backend.Mentoring == nil {
		return nil, time.Time{}, errNoMentoring
	}
	org, munis := scope(c, r.GetOrganisationId(), r.GetMunicipalityCodes())
	key := scopeKey(c, fmt.Sprintf("mentoring_report|%s|%v|%s|%s", org, munis, r.GetFromMonth(), r.GetToMonth()))
	v, at, err := g.figures.get(ctx, key, func(ctx context.Context) (any, error) {
		sctx, m, err := g.mentoring(ctx, c) // a token of its own: the recount may outlive the request's
		if err != nil {
			return nil, err
		}
		req := forward(&mentoringv1.GetReportRequest{}, r)
		req.OrganisationId, req.MunicipalityCodes = org, munis
		return m.GetReport(sctx, req)
	})
	res, _ := v.(*mentoringv1.GetReportResponse)
	if err := g.record(ctx, c, "read", "mentoring_report", "", err); err != nil {
		return nil, time.Time{}, err
	}
	return res, at, nil
}

// pairIDs lists, for the audit entry, each pair's id and the ids of the
// two people whose names the pair view shows.
func pairIDs(ps ...*mentoringv1.Pair) []string {
	var out []string
	for _, p := range ps {
		if p != nil {
			out = append(out, p.GetId(), p.GetParticipantId(), p.GetVolunteerId())
		}
	}
	return out
}
