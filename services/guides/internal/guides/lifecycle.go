package guides

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/guides/internal/eligibility"
)

// Parties who accept an assignment.
const (
	PartyNewcomer     = "newcomer"
	PartyOrganisation = "organisation"
)

// Short names of the statuses, for readability below.
const (
	stProposed  = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED
	stApproved  = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED
	stAssigned  = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED
	stActive    = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE
	stEnded     = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED
	stWithdrawn = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_WITHDRAWN
)

var errNotVisible = apperr.Errorf(apperr.NotFound, "no such assignment")

// resource is the Slots key of an assignment's unit.
func resource(a *guidesv1.Assignment) string {
	return "unit_" + a.GetOrganisationId() + "_" + a.GetMunicipalityCode() + "_" + a.GetLanguage()
}

// capacity is the unit's capacity now (0 when the organisation left).
func (s *Service) capacity(a *guidesv1.Assignment) int {
	o, ok := s.Pool.Organisations.Lookup(a.GetOrganisationId())
	if !ok || o.GetGone() {
		return 0
	}
	for _, c := range o.GetCapacities() {
		if c.GetMunicipalityCode() == a.GetMunicipalityCode() && c.GetLanguage() == a.GetLanguage() {
			return int(c.GetCapacity())
		}
	}
	return 0
}

// refused is the FailedPrecondition of a change the assignment's status
// does not allow, naming the status it has now ("...; this one is
// ended"), as the pairs' and the seatings' refusals name theirs: mp and
// the web can then say what holds instead of "see what holds now".
func (s *Service) refused(ctx context.Context, who auth.Claims, id, msg string) error {
	a, _ := s.GetAssignment(ctx, who, id)
	return refusal(a, msg)
}

// refusal is msg as a FailedPrecondition naming a's status when a was
// read (a nil a names none).
func refusal(a *guidesv1.Assignment, msg string) error {
	return apperr.Errorf(apperr.FailedPrecondition, "%s", msg+thisOneIs(a))
}

// thisOneIs is a refusal's tail naming a's status ("; this one is
// ended"), "" when it has none.
func thisOneIs(a *guidesv1.Assignment) string {
	if a.GetStatus() == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_UNSPECIFIED {
		return ""
	}
	return "; this one is " + strings.ToLower(strings.TrimPrefix(a.GetStatus().String(), "ASSIGNMENT_STATUS_"))
}

// GetAssignment returns assignment id if who may see it. Returns NotFound.
//
// One who may not see it is answered as for an id of no one, in words and
// in time (Repo.GetVisible): the store's "not found" for no one against
// "no such assignment" for another scope's told the two apart, and so
// did the leader read only no one's cost (ADR 0235).
func (s *Service) GetAssignment(ctx context.Context, who auth.Claims, id string) (*guidesv1.Assignment, error) {
	a, _, err := s.Assignments.GetVisible(ctx, id, func(a *guidesv1.Assignment) bool { return visible(who, a.GetMunicipalityCode()) })
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil, errNotVisible
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// AssignmentFilter narrows ListAssignments; every field is optional.
type AssignmentFilter struct {
	// Job, Municipality and Participant name one job, municipality (SCB
	// code) and newcomer.
	Job, Municipality, Participant string
	// Statuses are the statuses wanted; none is every status.
	Statuses []eventsv1.AssignmentStatus
}

// ListAssignments pages through the assignments who may see, in id order,
// with the number matching in all pages. A newcomer's are read by the
// participant index (the newcomer's page asks on every view, ADR 0279),
// else a job's by the job index. Returns PermissionDenied, or
// Unavailable when a service's list cannot wait for the index.
func (s *Service) ListAssignments(ctx context.Context, who auth.Claims, f AssignmentFilter, size int, after string) ([]*guidesv1.Assignment, string, int, error) {
	if who.Role == auth.RoleOperator || who.Role == "" {
		return nil, "", 0, apperr.Errorf(apperr.PermissionDenied, "your role may not see assignments")
	}
	if err := s.syncFor(ctx, who); err != nil {
		return nil, "", 0, err
	}
	q := store.Query[*guidesv1.Assignment]{After: after, Limit: size, Filter: func(a *guidesv1.Assignment) bool {
		if !visible(who, a.GetMunicipalityCode()) || (f.Municipality != "" && a.GetMunicipalityCode() != f.Municipality) ||
			(f.Job != "" && a.GetJobId() != f.Job) || (f.Participant != "" && a.GetParticipantId() != f.Participant) {
			return false
		}
		if len(f.Statuses) == 0 {
			return true
		}
		for _, st := range f.Statuses {
			if a.GetStatus() == st {
				return true
			}
		}
		return false
	}}
	switch {
	case f.Participant != "":
		q.Index, q.Values = "participant", []string{f.Participant}
	case f.Job != "":
		q.Index, q.Values = "job", []string{f.Job}
	}
	pg, err := s.Assignments.Find(q)
	if err != nil {
		return nil, "", 0, err
	}
	return s.withPeriodEnds(pg.Items), pg.Next, pg.Total, nil
}

// syncFor waits, for a service caller, until this replica's index holds
// every assignment write made before the call on any replica. A service
// decides from what it reads: notify, whether a guide offer still stands
// before it shows the newcomer's answer page. This replica's index may be
// behind the bucket (an approval made on another replica a moment ago;
// 10-20 s after NATS restarts, until its watch is made again), and
// "approved" read as "proposed" said "withdrawn" (ADR 0198). A
// coordinator's page reads the index as it is and costs nothing more.
// Returns Unavailable ("try again") when the index cannot catch up in
// 10 s.
func (s *Service) syncFor(ctx context.Context, who auth.Claims) error {
	if who.Role != auth.RoleService {
		return nil
	}
	if err := s.Assignments.Sync(ctx); err != nil {
		return apperr.Errorf(apperr.Unavailable, "the assignments cannot be read right now; try again")
	}
	return nil
}

// ReadAssignment is the GetAssignment RPC: assignment id from the index,
// scoped as ListAssignments is, with its newcomer's period end, after the
// same wait for a service caller (syncFor), so notify finds an assignment
// another replica made or approved a moment ago without paging through
// every assignment (ADR 0206). Returns PermissionDenied for a role that
// sees no assignments, NotFound for an id out of the caller's scope
// exactly as for one that does not exist, Unavailable.
func (s *Service) ReadAssignment(ctx context.Context, who auth.Claims, id string) (*guidesv1.Assignment, error) {
	if who.Role == auth.RoleOperator || who.Role == "" {
		return nil, apperr.Errorf(apperr.PermissionDenied, "your role may not see assignments")
	}
	if err := s.syncFor(ctx, who); err != nil {
		return nil, err
	}
	a, ok := s.Assignments.Lookup(id)
	if !ok || !visible(who, a.GetMunicipalityCode()) {
		return nil, errNotVisible
	}
	return s.withPeriodEnds([]*guidesv1.Assignment{a})[0], nil
}

// withPeriodEnds returns copies of as with each newcomer's establishment
// period end filled in by the rules in force, as GetEligibility computes
// it: the follow-up page shows when each guidance ends and marks one past
// its end (ADR 0139). The stored records are not touched; a newcomer who
// left the pool, or whose permit date is unknown, has none.
func (s *Service) withPeriodEnds(as []*guidesv1.Assignment) []*guidesv1.Assignment {
	r := s.rules("")
	out := make([]*guidesv1.Assignment, len(as))
	for i, a := range as {
		out[i] = proto.Clone(a).(*guidesv1.Assignment)
		if n, ok := s.Pool.Newcomer(a.GetParticipantId()); ok {
			if end := eligibility.Evaluate(r.Criteria, Facts(n), s.Now()).PeriodEnd; !end.IsZero() {
				out[i].PeriodEndDate = end.Format(time.DateOnly)
			}
		}
	}
	return out
}

// Approve approves a proposed assignment: the kit offers it to the
// newcomer and the organisation. A retry on an assignment already
// approved stands: OK with it, nothing written (the kit, ADR 0273).
// Returns Invalid, NotFound, FailedPrecondition.
func (s *Service) Approve(ctx context.Context, who auth.Claims, id string) (*guidesv1.Assignment, error) {
	a, err := s.life.Approve(ctx, who, id)
	if apperr.ErrorCode(err) == apperr.FailedPrecondition {
		return nil, s.refused(ctx, who, id, "only a proposed assignment can be approved")
	}
	return a, err
}

// Reject turns down a proposed assignment with reason (a
// proposal.v1.RejectReason number); the newcomer is free for the next job.
// Returns NotFound, Invalid ("reason"), FailedPrecondition.
func (s *Service) Reject(ctx context.Context, who auth.Claims, id string, reason int32) (*guidesv1.Assignment, error) {
	if _, ok := proposalv1.RejectReason_name[reason]; !ok || reason == 0 {
		return nil, apperr.FieldError("reason", "is required: poor fit, conflict of interest, logistics, not available or other")
	}
	a, err := s.life.Reject(ctx, who, id, reason)
	if apperr.ErrorCode(err) == apperr.FailedPrecondition {
		return nil, s.refused(ctx, who, id, "only a proposed assignment can be rejected")
	}
	return a, err
}

// Accept records party's acceptance of an approved assignment. The kit's
// Accept makes the second acceptance record its intent, reserve one unit
// of the organisation's capacity in the municipality and language (a
// compare-and-set on the unit's holders, so concurrent accepts on any
// replicas never exceed it) and only then mark the assignment assigned;
// a crash in between is resolved by the kit's Recover sweep. Returns
// NotFound, Invalid ("party"), FailedPrecondition (not approved, accepted
// twice, no capacity), Conflict (a race: try again). A retry of an
// acceptance already stored (approved with it, assigned or active) stands:
// OK with the assignment, nothing written (the kit, ADR 0273).
func (s *Service) Accept(ctx context.Context, who auth.Claims, id, party string) (*guidesv1.Assignment, error) {
	if party != PartyNewcomer && party != PartyOrganisation {
		return nil, apperr.FieldError("party", "must be the newcomer or the organisation")
	}
	a, err := s.life.Accept(ctx, who, id, party)
	switch {
	case errors.Is(err, proposal.ErrNoSlot):
		return nil, apperr.Errorf(apperr.FailedPrecondition, "the guide organisation has no free capacity in this municipality and language")
	case apperr.ErrorCode(err) == apperr.Unavailable:
		// Guides' API has always said "try again" with Conflict.
		return nil, apperr.Errorf(apperr.Conflict, "the assignment changed; try again")
	}
	return a, err
}

// Activate marks an assigned assignment active: the guidance started. It
// keeps its unit (the kit's active either way). Returns NotFound,
// FailedPrecondition; OK with it when it is active already (a retry).
func (s *Service) Activate(ctx context.Context, who auth.Claims, id string) (*guidesv1.Assignment, error) {
	return s.life.Transition(ctx, who, id, func(a *guidesv1.Assignment, _ *proposal.State, now time.Time) (proposal.Step, error) {
		if a.GetStatus() == stActive {
			// A retry of an activation whose answer was lost: active is
			// its result; nothing to write, no second event (ADR 0273).
			return proposal.Step{Kind: proposal.KindStands}, nil
		}
		if a.GetStatus() != stAssigned {
			return proposal.Step{}, apperr.Errorf(apperr.FailedPrecondition, "only an assigned assignment can become active%s", thisOneIs(a))
		}
		a.Status = stActive
		// The follow-up page shows when the guidance started (ADR 0139).
		a.StartTime = timestamppb.New(now)
		return proposal.Step{Kind: proposal.KindActivated}, nil
	})
}

// End ends an assigned or active assignment with reason; the kit frees
// its unit. Returns NotFound, Invalid ("reason"), FailedPrecondition; OK
// with it when it ended for this reason already (a retry).
func (s *Service) End(ctx context.Context, who auth.Claims, id string, reason eventsv1.AssignmentEndReason) (*guidesv1.Assignment, error) {
	if _, ok := eventsv1.AssignmentEndReason_name[int32(reason)]; !ok || reason == 0 {
		return nil, apperr.FieldError("reason", "is required: period over, moved, found work, opted out or organisation left")
	}
	// Ended for this reason already is a retry of this end and stands in
	// the kit (holds); ended for another is another's end, refused.
	a, err := s.life.End(ctx, who, id, int32(reason))
	if apperr.ErrorCode(err) == apperr.FailedPrecondition {
		return nil, s.refused(ctx, who, id, "only an assigned or active assignment can end")
	}
	return a, err
}

// Leave is the pool's leaver, on the kit's Leave. A newcomer who left has
// their open assignments withdrawn and running ones ended (opted out); an
// erased newcomer's assignments are erased (removed and purged, units
// released), their events purged, with the job data. A guide organisation
// that left has its assignments withdrawn or ended with
// ORGANISATION_LEFT, which makes their newcomers re-proposed first by the
// next job. Idempotent.
func (s *Service) Leave(ctx context.Context, id string, organisation, erased bool) error {
	party := PartyNewcomer
	if organisation {
		party = PartyOrganisation
	}
	var gone []string
	if erased && s.Purge != nil {
		// Assignments another replica wrote a moment ago too.
		if err := s.Assignments.Sync(ctx); err != nil {
			return err
		}
		pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: partyIndex[party], Values: []string{id}})
		if err != nil {
			return err
		}
		for _, a := range pg.Items {
			gone = append(gone, a.GetId())
		}
		// And those sealed with the newcomer's key that the index dropped
		// because it was shredded before this replica loaded them (guides
		// was down during the erasure): the kit erases them too
		// (docs/adr/0164), and their events go the same way.
		for _, u := range s.Assignments.Unreadable(id) {
			gone = append(gone, u.Key)
		}
	}
	if err := s.life.Leave(ctx, party, id, erased); err != nil {
		return err
	}
	for _, aid := range gone {
		if err := s.Purge(ctx, aid); err != nil {
			return err
		}
	}
	if erased && s.jobs != nil {
		return s.jobs.Forget(ctx, id)
	}
	return nil
}

// ListOrganisations pages through the guide organisations in id order,
// each capacity with its caseload counted from the assignments taken up
// (assigned or active), never typed in, and the newcomers waiting to be
// re-proposed after the unit shrank (Resized) or the organisation left. Coordinators see the units in
// their municipalities. Returns PermissionDenied.
func (s *Service) ListOrganisations(who auth.Claims, size int, after string) ([]*guidesv1.GuideOrganisation, string, error) {
	if who.Role == auth.RoleOperator || who.Role == "" {
		return nil, "", apperr.Errorf(apperr.PermissionDenied, "your role may not see guide organisations")
	}
	orgs, err := s.Pool.Guides()
	if err != nil {
		return nil, "", err
	}
	var out []*guidesv1.GuideOrganisation
	for _, o := range orgs {
		if o.GetOrganisationId() <= after {
			continue
		}
		if len(out) == size {
			return out, out[len(out)-1].GetOrganisationId(), nil
		}
		load := map[string]int32{}
		pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: "organisation", Values: []string{o.GetOrganisationId()}})
		if err != nil {
			return nil, "", err
		}
		for _, a := range pg.Items {
			if a.GetStatus() == stAssigned || a.GetStatus() == stActive {
				load[a.GetMunicipalityCode()+"/"+a.GetLanguage()]++
			}
		}
		waiting, err := s.reproposedIn(pg.Items)
		if err != nil {
			return nil, "", err
		}
		g := &guidesv1.GuideOrganisation{OrganisationId: o.GetOrganisationId(), Type: o.GetType()}
		for _, c := range o.GetCapacities() {
			if !visible(who, c.GetMunicipalityCode()) {
				continue
			}
			g.Capacities = append(g.Capacities, &guidesv1.GuideCapacity{MunicipalityCode: c.GetMunicipalityCode(),
				Language: c.GetLanguage(), Capacity: c.GetCapacity(), Caseload: load[c.GetMunicipalityCode()+"/"+c.GetLanguage()],
				Reproposed: waiting[c.GetMunicipalityCode()+"/"+c.GetLanguage()]})
		}
		if len(g.Capacities) > 0 {
			out = append(out, g)
		}
	}
	return out, "", nil
}

// Decline records that party declined a proposed or approved assignment,
// with reason (a proposal.v1.DeclineReason number; 0 when none was given).
// A unit an in-flight acceptance reserved is the kit's to give back (its
// intent, settled or recovered). The same party's decline for the same
// reason again stands: OK, nothing written (ADR 0273). Returns NotFound,
// Invalid ("party"), FailedPrecondition.
func (s *Service) Decline(ctx context.Context, who auth.Claims, id, party string, reason int32) (*guidesv1.Assignment, error) {
	if party != PartyNewcomer && party != PartyOrganisation {
		return nil, apperr.FieldError("party", "must be the newcomer or the organisation")
	}
	if _, ok := proposalv1.DeclineReason_name[reason]; !ok {
		return nil, apperr.FieldError("reason", "is not a known decline reason")
	}
	return s.life.Transition(ctx, who, id, func(a *guidesv1.Assignment, st *proposal.State, now time.Time) (proposal.Step, error) {
		step := proposal.Step{Kind: proposal.KindDeclined, Party: party, Reason: reason}
		switch {
		case st.Status == proposal.Declined && holds(a, step):
			return proposal.Step{Kind: proposal.KindStands}, nil
		case st.Status == proposal.Proposed:
			st.Status = proposal.Declined // guides lets a party decline before approval
		case st.Status == proposal.Offered:
			if err := st.Decline(party, now); err != nil {
				return proposal.Step{}, err
			}
		default:
			return proposal.Step{}, apperr.Errorf(apperr.FailedPrecondition, "only a proposed or approved assignment can be declined%s", thisOneIs(a))
		}
		return step, nil
	})
}
