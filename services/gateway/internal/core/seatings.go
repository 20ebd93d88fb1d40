package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
)

// publicDinnerJob replaces a dinner job's internal error text with
// JobFailed, as publicJob does for mentoring.
func publicDinnerJob(j *dinnersv1.Job) *dinnersv1.Job {
	if j.GetErrorMessage() == "" {
		return j
	}
	j = proto.Clone(j).(*dinnersv1.Job)
	j.ErrorMessage = JobFailed
	return j
}

// StartDinnerJob queues a dinner matching job.
func (g *Gateway) StartDinnerJob(ctx context.Context, c Caller, requestID, org string, munis []string) (*dinnersv1.Job, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	org, munis = scope(c, org, munis)
	res, err := d.StartMatchingJob(sctx, &dinnersv1.StartMatchingJobRequest{RequestId: requestID, OrganisationId: org, MunicipalityCodes: munis})
	if err := g.record(ctx, c, "start", "dinner_job", res.GetJob().GetId(), err); err != nil {
		return nil, err
	}
	return publicDinnerJob(res.GetJob()), nil
}

// GetDinnerJob returns a job. Jobs hold counts, not personal data, so a
// read is not audited (the progress bar polls it).
func (g *Gateway) GetDinnerJob(ctx context.Context, c Caller, id string) (*dinnersv1.Job, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.GetJob(sctx, &dinnersv1.GetJobRequest{Id: id})
	if err != nil {
		return nil, err
	}
	if msg := res.GetJob().GetErrorMessage(); msg != "" {
		g.Log.WarnContext(ctx, "dinner job failed", "job", id, "err", msg)
	}
	return publicDinnerJob(res.GetJob()), nil
}

// ListDinnerJobs pages through jobs, newest first.
func (g *Gateway) ListDinnerJobs(ctx context.Context, c Caller, pageSize int32, token string) ([]*dinnersv1.Job, string, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, "", err
	}
	res, err := d.ListJobs(sctx, &dinnersv1.ListJobsRequest{PageSize: pageSize, PageToken: token})
	if err != nil {
		return nil, "", err
	}
	jobs := make([]*dinnersv1.Job, 0, len(res.GetJobs()))
	for _, j := range res.GetJobs() {
		jobs = append(jobs, publicDinnerJob(j))
	}
	return jobs, res.GetNextPageToken(), nil
}

// WatchDinnerJob calls send with the job every time it changes, until it
// finishes or ctx ends, re-opening a watch cut as quiet once (follow).
func (g *Gateway) WatchDinnerJob(ctx context.Context, c Caller, id string, send func(*dinnersv1.Job) error) error {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return err
	}
	return follow(sctx, func(ctx context.Context) (func() (*dinnersv1.WatchJobResponse, error), error) {
		st, err := d.WatchJob(ctx, &dinnersv1.WatchJobRequest{Id: id})
		if err != nil {
			return nil, err
		}
		return st.Recv, nil
	}, func(res *dinnersv1.WatchJobResponse) error { return send(publicDinnerJob(res.GetJob())) })
}

// ListUnseatedParties pages through the parties a job left unseated,
// each newcomer named (participant_names). The rows are about people, so
// the read is audited, the newcomers named in its entry too.
func (g *Gateway) ListUnseatedParties(ctx context.Context, c Caller, r *gatewayv1.ListUnseatedPartiesRequest) (*gatewayv1.ListUnseatedPartiesResponse, error) {
	return g.listUnseated(ctx, c, r, true)
}

// CountUnseatedParties is ListUnseatedParties without the names, for a
// page that counts the parties per reason and names no one (the web's
// dinners page): it read, and recorded as read, the names of a page of
// newcomers it never showed (ADR 0228).
func (g *Gateway) CountUnseatedParties(ctx context.Context, c Caller, r *gatewayv1.ListUnseatedPartiesRequest) (*gatewayv1.ListUnseatedPartiesResponse, error) {
	return g.listUnseated(ctx, c, r, false)
}

// listUnseated is ListUnseatedParties, naming the newcomers when named.
func (g *Gateway) listUnseated(ctx context.Context, c Caller, r *gatewayv1.ListUnseatedPartiesRequest, named bool) (*gatewayv1.ListUnseatedPartiesResponse, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.ListUnseated(sctx, forward(&dinnersv1.ListUnseatedRequest{}, r))
	var names map[string]string
	var ids, shown []string
	if err == nil && named {
		names, shown, err = g.unseatedNames(ctx, sctx, d, res.GetUnseated())
	}
	for _, u := range res.GetUnseated() {
		ids = append(ids, u.GetSignUpId())
	}
	// The newcomers whose names the list shows are in its entry too.
	if err := g.recordList(ctx, c, "dinner_sign_up", append(ids, shown...), err); err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListUnseatedPartiesResponse{}, res)
	out.ParticipantNames = names
	return out, nil
}

// seatingView joins a seating with the guest's and host's names (see
// offerView for why the scope check repeats here).
func (g *Gateway) seatingView(ctx context.Context, c Caller, s *dinnersv1.Seating) (*gatewayv1.SeatingView, error) {
	if s == nil || !c.Claims().CanSee(s.GetOrganisationId(), s.GetMunicipalityCode()) {
		return nil, apperr.Errorf(apperr.NotFound, "seating not found")
	}
	v := &gatewayv1.SeatingView{Seating: s}
	pv, err := g.Backend.ParticipantView(ctx, s.GetParticipantId())
	pok, perr := g.found(ctx, err)
	if pok {
		v.ParticipantName, v.ParticipantRegistered = joinName(pv.GetGivenName(), pv.GetFamilyName()), pv.GetCreateTime()
	}
	n, err := g.Backend.VolunteerName(ctx, s.GetVolunteerId())
	vok, verr := g.found(ctx, err)
	if vok {
		v.HostName = n
	}
	return v, errors.Join(perr, verr) // errNoNames with the view as far as it goes (names.go)
}

// seatingIDs lists, for the audit entry, each seating's id and the ids of
// the two people whose names the view shows.
func seatingIDs(ss ...*dinnersv1.Seating) []string {
	var out []string
	for _, s := range ss {
		if s != nil {
			out = append(out, s.GetId(), s.GetParticipantId(), s.GetVolunteerId())
		}
	}
	return out
}

// GetSeating returns a seating with names.
func (g *Gateway) GetSeating(ctx context.Context, c Caller, id string) (*gatewayv1.SeatingView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.GetSeating(sctx, &dinnersv1.GetSeatingRequest{Id: id})
	if err := g.recordIDs(ctx, c, "read", "seating", id, seatingIDs(res.GetSeating()), err); err != nil {
		return nil, err
	}
	return g.seatingView(ctx, c, res.GetSeating())
}

// ListSeatings pages through seatings with names.
func (g *Gateway) ListSeatings(ctx context.Context, c Caller, r *gatewayv1.ListSeatingsRequest) (*gatewayv1.ListSeatingsResponse, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.ListSeatings(sctx, forward(&dinnersv1.ListSeatingsRequest{}, r))
	if err := g.recordList(ctx, c, "seating", seatingIDs(res.GetSeatings()...), err); err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListSeatingsResponse{}, res)
	for _, s := range res.GetSeatings() {
		v, err := g.seatingView(ctx, c, s)
		if hidden(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Seatings = append(out.Seatings, v)
	}
	return out, nil
}

// SeatingAction is a change of a seating's state.
type SeatingAction struct {
	// Action is approve, reject, rsvp, cancel, attendance or feedback.
	Action string
	// RejectReason is required for reject.
	RejectReason proposalv1.RejectReason
	// Party answers (rsvp) or gives feedback (feedback).
	Party eventsv1.DinnerParty
	// Accept and DeclineReason are the RSVP.
	Accept        bool
	DeclineReason eventsv1.RsvpDeclineReason
	// Attendance is one entry per party member.
	Attendance []*dinnersv1.GuestAttendance
	// Feedback is one side's feedback.
	Feedback *dinnersv1.Feedback
}

// ChangeSeating applies a lifecycle action to seating id. A rejection
// needs a reason here, though the dinners service takes it as optional
// (its older callers give none): the coordinators' reasons are what the
// programme learns from.
func (g *Gateway) ChangeSeating(ctx context.Context, c Caller, id string, a SeatingAction) (*gatewayv1.SeatingView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	var s *dinnersv1.Seating
	switch a.Action {
	case "approve":
		var res *dinnersv1.ApproveSeatingResponse
		res, err = d.ApproveSeating(sctx, &dinnersv1.ApproveSeatingRequest{Id: id})
		s = res.GetSeating()
	case "reject":
		if a.RejectReason == proposalv1.RejectReason_REJECT_REASON_UNSPECIFIED {
			// Scope before input: a foreign id is NotFound, however the
			// request is wrong (ADR 0062).
			if _, err := d.GetSeating(sctx, &dinnersv1.GetSeatingRequest{Id: id}); err != nil {
				return nil, g.record(ctx, c, a.Action, "seating", id, err)
			}
			return nil, apperr.FieldError("reason", "choose why the proposal is rejected")
		}
		var res *dinnersv1.RejectSeatingResponse
		res, err = d.RejectSeating(sctx, &dinnersv1.RejectSeatingRequest{Id: id, Reason: a.RejectReason})
		s = res.GetSeating()
	case "rsvp":
		var res *dinnersv1.RecordRsvpResponse
		res, err = d.RecordRsvp(sctx, &dinnersv1.RecordRsvpRequest{Id: id, Party: a.Party, Accept: a.Accept, DeclineReason: a.DeclineReason})
		s = res.GetSeating()
	case "cancel":
		var res *dinnersv1.CancelSeatingResponse
		res, err = d.CancelSeating(sctx, &dinnersv1.CancelSeatingRequest{Id: id})
		s = res.GetSeating()
	case "attendance":
		var res *dinnersv1.RecordAttendanceResponse
		res, err = d.RecordAttendance(sctx, &dinnersv1.RecordAttendanceRequest{Id: id, Attendance: a.Attendance})
		s = res.GetSeating()
	case "feedback":
		var res *dinnersv1.RecordFeedbackResponse
		res, err = d.RecordFeedback(sctx, &dinnersv1.RecordFeedbackRequest{Id: id, Party: a.Party, Feedback: a.Feedback})
		s = res.GetSeating()
	default:
		return nil, apperr.Errorf(apperr.Invalid, "unknown action")
	}
	if err := g.recordIDs(ctx, c, a.Action, "seating", id, seatingIDs(s), err); err != nil {
		return nil, err
	}
	return written(g.seatingView(ctx, c, s))
}

// DinnerWaitlist returns the waitlist and host need for the caller's
// scope (counts per municipality, no personal data, but audited like the
// mentoring report).
func (g *Gateway) DinnerWaitlist(ctx context.Context, c Caller, org string, munis []string) (*dinnersv1.GetWaitlistResponse, error) {
	res, _, err := g.DinnerWaitlistAt(ctx, c, org, munis)
	return res, err
}

// DinnerWaitlistAt is DinnerWaitlist with the time its figures were
// computed: the service reads every sign-up of the scope for them (p50
// 125 ms at 5,000 sign-ups), so they are kept per scope and refreshed in
// the background like the reports (figures.go, ADR 0067).
func (g *Gateway) DinnerWaitlistAt(ctx context.Context, c Caller, org string, munis []string) (*dinnersv1.GetWaitlistResponse, time.Time, error) {
	if err := personal(c); err != nil {
		return nil, time.Time{}, err
	}
	if g.Backend.Dinners == nil {
		return nil, time.Time{}, errNoDinners
	}
	org, munis = scope(c, org, munis)
	key := scopeKey(c, fmt.Sprintf("dinner_waitlist|%s|%v", org, munis))
	v, at, err := g.figures.get(ctx, key, func(ctx context.Context) (any, error) {
		sctx, d, err := g.dinners(ctx, c)
		if err != nil {
			return nil, err
		}
		return d.GetWaitlist(sctx, &dinnersv1.GetWaitlistRequest{OrganisationId: org, MunicipalityCodes: munis})
	})
	res, _ := v.(*dinnersv1.GetWaitlistResponse)
	if err := g.record(ctx, c, "read", "dinner_waitlist", "", err); err != nil {
		return nil, time.Time{}, err
	}
	return res, at, nil
}

// DinnerReport returns the programme's figures for the caller's scope.
func (g *Gateway) DinnerReport(ctx context.Context, c Caller, r *gatewayv1.GetDinnerReportRequest) (*dinnersv1.GetReportResponse, error) {
	res, _, err := g.DinnerReportAt(ctx, c, r)
	return res, err
}

// DinnerReportAt is DinnerReport with the time its figures were computed:
// kept per scope and period and refreshed in the background like the
// other reports (figures.go, ADR 0067).
func (g *Gateway) DinnerReportAt(ctx context.Context, c Caller, r *gatewayv1.GetDinnerReportRequest) (*dinnersv1.GetReportResponse, time.Time, error) {
	if err := personal(c); err != nil {
		return nil, time.Time{}, err
	}
	if g.Backend.Dinners == nil {
		return nil, time.Time{}, errNoDinners
	}
	org, munis := scope(c, r.GetOrganisationId(), r.GetMunicipalityCodes())
	key := scopeKey(c, fmt.Sprintf("dinner_report|%s|%v|%s|%s", org, munis, r.GetFromMonth(), r.GetToMonth()))
	v, at, err := g.figures.get(ctx, key, func(ctx context.Context) (any, error) {
		sctx, d, err := g.dinners(ctx, c)
		if err != nil {
			return nil, err
		}
		req := forward(&dinnersv1.GetReportRequest{}, r)
		req.OrganisationId, req.MunicipalityCodes = org, munis
		return d.GetReport(sctx, req)
	})
	res, _ := v.(*dinnersv1.GetReportResponse)
	if err := g.record(ctx, c, "read", "dinner_report", "", err); err != nil {
		return nil, time.Time{}, err
	}
	return res, at, nil
}
