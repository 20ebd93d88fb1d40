package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// errNoGuides answers guide requests when the gateway has no guides
// service configured.
var errNoGuides = apperr.Errorf(apperr.Unavailable, "establishment guides are not available: the guides service is not configured")

// GuidesAvailable reports whether the guide pages can work.
func (g *Gateway) GuidesAvailable() bool { return g.Backend.Guides != nil }

// guides returns ctx with the caller's token and the guides client;
// operators get PermissionDenied (the programme is about people).
func (g *Gateway) guides(ctx context.Context, c Caller) (context.Context, guidesv1.GuideServiceClient, error) {
	if err := personal(c); err != nil {
		return nil, nil, err
	}
	if g.Backend.Guides == nil {
		return nil, nil, errNoGuides
	}
	sctx, err := g.as(ctx, c)
	return sctx, g.Backend.Guides, err
}

// maxGuideMunicipalities is the guides service's cap on the municipalities
// of one request: the nation (services/guides MaxMunicipalities, ADR 0077).
const maxGuideMunicipalities = 290

// guidesIn is the guides client for c with the municipalities a request
// covers (guideMunis): every guides call that takes a scope starts so.
func (g *Gateway) guidesIn(ctx context.Context, c Caller, codes []string) (context.Context, guidesv1.GuideServiceClient, []string, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, nil, nil, err
	}
	munis, err := g.guideMunis(sctx, gc, c, codes)
	if err != nil {
		return nil, nil, nil, err
	}
	return sctx, gc, munis, nil
}

// guideMunis fills in the municipalities of a request that names none: a
// coordinator's own, and for an administrator those where some guide
// organisation has capacity (the guides service asks an administrator to
// name them, and those are where the programme runs; the nation while
// no organisation has a place anywhere).
func (g *Gateway) guideMunis(sctx context.Context, gc guidesv1.GuideServiceClient, c Caller, munis []string) ([]string, error) {
	if len(munis) > 0 {
		return munis, nil
	}
	if c.User.GetRole() == gatewayv1.Role_ROLE_COORDINATOR {
		return slices.Clone(c.User.GetMunicipalityCodes()), nil
	}
	seen := map[string]bool{}
	var out []string
	tok := ""
	for range 100 { // 50,000 organisations at most: a broken token cannot loop
		res, err := gc.ListGuideOrganisations(sctx, &guidesv1.ListGuideOrganisationsRequest{PageSize: 500, PageToken: tok})
		if err != nil {
			return nil, err
		}
		for _, o := range res.GetOrganisations() {
			for _, k := range o.GetCapacities() {
				if m := k.GetMunicipalityCode(); !seen[m] && len(out) < maxGuideMunicipalities {
					seen[m] = true
					out = append(out, m)
				}
			}
		}
		if tok = res.GetNextPageToken(); tok == "" {
			break
		}
	}
	if len(out) == 0 {
		// No guide organisation has a place anywhere yet (a new system):
		// the nation, so the page shows who is entitled and waits, and
		// its rules form stays in reach, rather than the service's
		// refusal of an empty scope ("ange minst en kommun").
		for _, m := range municipality.All() {
			out = append(out, m.Code)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ListGuideEligibility pages through newcomers' eligibility with names.
// The audit entry names every newcomer shown.
func (g *Gateway) ListGuideEligibility(ctx context.Context, c Caller, r *gatewayv1.ListGuideEligibilityRequest) (*gatewayv1.ListGuideEligibilityResponse, error) {
	sctx, gc, munis, err := g.guidesIn(ctx, c, r.GetMunicipalityCodes())
	if err != nil {
		return nil, err
	}
	req := forward(&guidesv1.ListEligibilityRequest{}, r)
	req.MunicipalityCodes = munis // the scope guideMunis settled
	res, err := gc.ListEligibility(sctx, req)
	var ids []string
	for _, e := range res.GetEligibility() {
		ids = append(ids, e.GetParticipantId())
	}
	if err := g.recordList(ctx, c, "guide_eligibility", ids, err); err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListGuideEligibilityResponse{}, res)
	for _, e := range res.GetEligibility() {
		v := &gatewayv1.GuideEligibilityView{Eligibility: e}
		n, err := g.Backend.ParticipantName(ctx, e.GetParticipantId())
		ok, err := g.found(ctx, err)
		if err != nil {
			return nil, err
		}
		if ok {
			v.ParticipantName = n
		}
		out.Eligibility = append(out.Eligibility, v)
	}
	return out, nil
}

// GetGuideEligibilityRules returns the rules in force. They hold no
// personal data; reading them is not audited.
func (g *Gateway) GetGuideEligibilityRules(ctx context.Context, c Caller) (*guidesv1.GetEligibilityRulesResponse, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	return gc.GetEligibilityRules(sctx, &guidesv1.GetEligibilityRulesRequest{})
}

// UpdateGuideEligibilityRules changes the rules (administrators only).
// The audit entry's resource id is the new version, and its resource ids
// the previous and the new version, so the log says what changed into
// what; the guides service publishes the same change as an event.
func (g *Gateway) UpdateGuideEligibilityRules(ctx context.Context, c Caller, rules *guidesv1.EligibilityRules, etag string) (*guidesv1.UpdateEligibilityRulesResponse, error) {
	if err := adminOnly(c); err != nil {
		// A refused attempt is recorded too: who tried to change who is
		// entitled matters as much as who did.
		return nil, g.record(ctx, c, "update", "guide_eligibility_rules", "", err)
	}
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := gc.UpdateEligibilityRules(sctx, &guidesv1.UpdateEligibilityRulesRequest{Rules: rules, Etag: etag})
	var versions []string
	if err == nil {
		versions = []string{etag, res.GetVersion()}
	}
	if err := g.recordIDs(ctx, c, "update", "guide_eligibility_rules", res.GetVersion(), versions, err); err != nil {
		return nil, err
	}
	return res, nil
}

// ListGuideOrganisations pages through guide organisations with names.
// They are organisations, not people; reading them is not audited.
func (g *Gateway) ListGuideOrganisations(ctx context.Context, c Caller, r *gatewayv1.ListGuideOrganisationsRequest) (*gatewayv1.ListGuideOrganisationsResponse, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := gc.ListGuideOrganisations(sctx, forward(&guidesv1.ListGuideOrganisationsRequest{}, r))
	if err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListGuideOrganisationsResponse{}, res)
	for _, o := range res.GetOrganisations() {
		name, err := g.organisationName(ctx, o.GetOrganisationId())
		if err != nil {
			return nil, err
		}
		out.Organisations = append(out.Organisations, &gatewayv1.GuideOrganisationView{Organisation: o, Name: name})
	}
	return out, nil
}

// StartGuideJob queues an assignment job.
func (g *Gateway) StartGuideJob(ctx context.Context, c Caller, r *gatewayv1.StartGuideJobRequest) (*guidesv1.Job, error) {
	sctx, gc, munis, err := g.guidesIn(ctx, c, r.GetMunicipalityCodes())
	if err != nil {
		return nil, err
	}
	req := forward(&guidesv1.StartAssignmentJobRequest{}, r)
	req.MunicipalityCodes = munis // the scope guideMunis settled
	res, err := gc.StartAssignmentJob(sctx, req)
	if err := g.record(ctx, c, "start", "guide_job", res.GetJob().GetId(), err); err != nil {
		return nil, err
	}
	return publicGuideJob(res.GetJob()), nil
}

// GetGuideJob returns a job (counts only: not audited, as for matching
// jobs; the progress bar polls it).
func (g *Gateway) GetGuideJob(ctx context.Context, c Caller, id string) (*guidesv1.Job, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := gc.GetJob(sctx, &guidesv1.GetJobRequest{Id: id})
	if err != nil {
		return nil, err
	}
	if msg := res.GetJob().GetErrorMessage(); msg != "" {
		g.Log.WarnContext(ctx, "guide job failed", "job", id, "err", msg)
	}
	return publicGuideJob(res.GetJob()), nil
}

// ListGuideJobs pages through jobs, newest first.
func (g *Gateway) ListGuideJobs(ctx context.Context, c Caller, size int32, token string) ([]*guidesv1.Job, string, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, "", err
	}
	res, err := gc.ListJobs(sctx, &guidesv1.ListJobsRequest{PageSize: size, PageToken: token})
	if err != nil {
		return nil, "", err
	}
	out := make([]*guidesv1.Job, 0, len(res.GetJobs()))
	for _, j := range res.GetJobs() {
		out = append(out, publicGuideJob(j))
	}
	return out, res.GetNextPageToken(), nil
}

// WatchGuideJob calls send with the job after every change until it
// finishes or ctx ends, re-opening a watch cut as quiet once (follow).
func (g *Gateway) WatchGuideJob(ctx context.Context, c Caller, id string, send func(*guidesv1.Job) error) error {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return err
	}
	return follow(sctx, func(ctx context.Context) (func() (*guidesv1.WatchJobResponse, error), error) {
		stream, err := gc.WatchJob(ctx, &guidesv1.WatchJobRequest{Id: id})
		if err != nil {
			return nil, err
		}
		return stream.Recv, nil
	}, func(res *guidesv1.WatchJobResponse) error { return send(publicGuideJob(res.GetJob())) })
}

// publicGuideJob keeps a failed job's message when it names infeasible
// quotas (municipality or language codes and counts: what a coordinator
// must know to change the request) and otherwise replaces it with
// JobFailed, since the rest is an internal error chain kept for the log.
func publicGuideJob(j *guidesv1.Job) *guidesv1.Job {
	msg := j.GetErrorMessage()
	if msg == "" {
		return j
	}
	j = proto.Clone(j).(*guidesv1.Job)
	if k := strings.Index(msg, "infeasible quotas: "); k >= 0 {
		j.ErrorMessage = "the quotas cannot all be met: " + msg[k+len("infeasible quotas: "):]
		return j
	}
	j.ErrorMessage = JobFailed
	return j
}

// ListGuideAssignments pages through assignments with names and
// explanations. The audit entry names each assignment and newcomer shown.
func (g *Gateway) ListGuideAssignments(ctx context.Context, c Caller, r *gatewayv1.ListGuideAssignmentsRequest) (*gatewayv1.ListGuideAssignmentsResponse, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := gc.ListAssignments(sctx, forward(&guidesv1.ListAssignmentsRequest{}, r))
	if err := g.recordList(ctx, c, "guide_assignment", assignmentIDs(res.GetAssignments()...), err); err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListGuideAssignmentsResponse{}, res)
	for _, a := range res.GetAssignments() {
		v, err := g.assignmentView(ctx, c, a)
		if err != nil {
			return nil, err
		}
		out.Assignments = append(out.Assignments, v)
	}
	return out, nil
}

// assignmentView joins an assignment the caller's token fetched with the
// newcomer's and the organisation's names and its explanation.
func (g *Gateway) assignmentView(ctx context.Context, c Caller, a *guidesv1.Assignment) (*gatewayv1.GuideAssignmentView, error) {
	org, orgErr := g.organisationName(ctx, a.GetOrganisationId())
	v := &gatewayv1.GuideAssignmentView{Assignment: a, OrganisationName: org}
	pv, err := g.Backend.ParticipantView(ctx, a.GetParticipantId())
	ok, err := g.found(ctx, err)
	if err == nil {
		err = orgErr // errNoNames too: a change's answer keeps its view (written)
	}
	if ok {
		v.ParticipantName, v.ParticipantRegistered = joinName(pv.GetGivenName(), pv.GetFamilyName()), pv.GetCreateTime()
	}
	for _, r := range catalog.Explain(a) {
		v.Explanation = append(v.Explanation, r.English())
	}
	return v, err // errNoNames with the view as far as it goes (names.go)
}

// GuideAction is a change of an assignment's state.
type GuideAction struct {
	// Action is approve, reject, accept, decline, activate or end.
	Action        string
	Party         guidesv1.AcceptingParty
	RejectReason  proposalv1.RejectReason
	DeclineReason proposalv1.DeclineReason
	EndReason     eventsv1.AssignmentEndReason
}

// ChangeGuideAssignment applies a lifecycle action to assignment id; the
// audit entry records the action and the assignment.
func (g *Gateway) ChangeGuideAssignment(ctx context.Context, c Caller, id string, a GuideAction) (*gatewayv1.GuideAssignmentView, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	var out *guidesv1.Assignment
	switch a.Action {
	case "approve":
		var res *guidesv1.ApproveAssignmentResponse
		res, err = gc.ApproveAssignment(sctx, &guidesv1.ApproveAssignmentRequest{Id: id})
		out = res.GetAssignment()
	case "reject":
		var res *guidesv1.RejectAssignmentResponse
		res, err = gc.RejectAssignment(sctx, &guidesv1.RejectAssignmentRequest{Id: id, Reason: a.RejectReason})
		out = res.GetAssignment()
	case "accept":
		var res *guidesv1.AcceptAssignmentResponse
		res, err = gc.AcceptAssignment(sctx, &guidesv1.AcceptAssignmentRequest{Id: id, Party: a.Party})
		out = res.GetAssignment()
	case "decline":
		var res *guidesv1.DeclineAssignmentResponse
		res, err = gc.DeclineAssignment(sctx, &guidesv1.DeclineAssignmentRequest{Id: id, Party: a.Party, Reason: a.DeclineReason})
		out = res.GetAssignment()
	case "activate":
		var res *guidesv1.ActivateAssignmentResponse
		res, err = gc.ActivateAssignment(sctx, &guidesv1.ActivateAssignmentRequest{Id: id})
		out = res.GetAssignment()
	case "end":
		var res *guidesv1.EndAssignmentResponse
		res, err = gc.EndAssignment(sctx, &guidesv1.EndAssignmentRequest{Id: id, Reason: a.EndReason})
		out = res.GetAssignment()
	default:
		return nil, apperr.FieldError("action", "is not an assignment action")
	}
	if err := g.recordIDs(ctx, c, a.Action, "guide_assignment", id, assignmentIDs(out), err); err != nil {
		return nil, err
	}
	return written(g.assignmentView(ctx, c, out))
}

// GuideEquity returns the equity figures for the caller's scope. They are
// counts per group, not records of people; reading them is audited as a
// report.
func (g *Gateway) GuideEquity(ctx context.Context, c Caller, r *gatewayv1.GetGuideEquityRequest) (*guidesv1.GetEquityResponse, error) {
	res, _, err := g.GuideEquityAt(ctx, c, r)
	return res, err
}

// GuideEquityAt is GuideEquity with the time its figures were computed:
// kept per scope and request and refreshed in the background like the
// other reports (figures.go, ADR 0067).
func (g *Gateway) GuideEquityAt(ctx context.Context, c Caller, r *gatewayv1.GetGuideEquityRequest) (*guidesv1.GetEquityResponse, time.Time, error) {
	if err := personal(c); err != nil {
		return nil, time.Time{}, err
	}
	if g.Backend.Guides == nil {
		return nil, time.Time{}, errNoGuides
	}
	key := scopeKey(c, fmt.Sprintf("guide_equity|%v|%d", r.GetMunicipalityCodes(), r.GetMinGroupSize()))
	v, at, err := g.figures.get(ctx, key, func(ctx context.Context) (any, error) {
		sctx, gc, munis, err := g.guidesIn(ctx, c, r.GetMunicipalityCodes())
		if err != nil {
			return nil, err
		}
		req := forward(&guidesv1.GetEquityRequest{}, r)
		req.MunicipalityCodes = munis // the scope guideMunis settled
		return gc.GetEquity(sctx, req)
	})
	res, _ := v.(*guidesv1.GetEquityResponse)
	if err := g.record(ctx, c, "read", "guide_equity", "", err); err != nil {
		return nil, time.Time{}, err
	}
	return res, at, nil
}

// assignmentIDs lists, for the audit entry, each assignment's id and the
// newcomer whose name its view shows.
func assignmentIDs(as ...*guidesv1.Assignment) []string {
	var out []string
	for _, a := range as {
		if a != nil {
			out = append(out, a.GetId(), a.GetParticipantId())
		}
	}
	return out
}

// GetGuideAssignment returns an assignment with the newcomer's and the
// organisation's names, its read audited as the lists' are.
func (g *Gateway) GetGuideAssignment(ctx context.Context, c Caller, id string) (*gatewayv1.GuideAssignmentView, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := gc.GetAssignment(sctx, &guidesv1.GetAssignmentRequest{Id: id})
	if err := g.recordIDs(ctx, c, "read", "guide_assignment", id, assignmentIDs(res.GetAssignment()), err); err != nil {
		return nil, err
	}
	return written(g.assignmentView(ctx, c, res.GetAssignment()))
}
