package guides

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
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

// GetAssignment returns assignment id if who may see it. Returns NotFound.
func (s *Service) GetAssignment(ctx context.Context, who auth.Claims, id string) (*guidesv1.Assignment, error) {
	a, _, err := s.Assignments.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(who, a.GetMunicipalityCode()) {
		return nil, errNotVisible
	}
	return a, nil
}

// ListAssignments pages through the assignments who may see, in id order.
func (s *Service) ListAssignments(who auth.Claims, job, muni string, statuses []eventsv1.AssignmentStatus, size int, after string) ([]*guidesv1.Assignment, string, error) {
	if who.Role == auth.RoleOperator || who.Role == "" {
		return nil, "", apperr.Errorf(apperr.PermissionDenied, "your role may not see assignments")
	}
	q := store.Query[*guidesv1.Assignment]{After: after, Limit: size, Filter: func(a *guidesv1.Assignment) bool {
		if !visible(who, a.GetMunicipalityCode()) || (muni != "" && a.GetMunicipalityCode() != muni) {
			return false
		}
		if len(statuses) == 0 {
			return true
		}
		for _, st := range statuses {
			if a.GetStatus() == st {
				return true
			}
		}
		return false
	}}
	if job != "" {
		q.Index, q.Values = "job", []string{job}
	}
	pg, err := s.Assignments.Find(q)
	if err != nil {
		return nil, "", err
	}
	return pg.Items, pg.Next, nil
}

// transition applies fn to assignment id for who and stores the result
// with its AssignmentChanged event in the same write.
func (s *Service) transition(ctx context.Context, who auth.Claims, id string, fn func(a *guidesv1.Assignment) error) (*guidesv1.Assignment, error) {
	if who.Role != auth.RoleAdmin && who.Role != auth.RoleCoordinator && who.Role != auth.RoleService {
		return nil, apperr.Errorf(apperr.PermissionDenied, "your role may not change assignments")
	}
	a, _, err := s.Assignments.Update(ctx, id, func(a *guidesv1.Assignment, _ uint64) (store.Change, error) {
		if !visible(who, a.GetMunicipalityCode()) {
			return nil, errNotVisible
		}
		if err := fn(a); err != nil {
			return nil, err
		}
		ev, err := s.event(a)
		if err != nil {
			return nil, err
		}
		return store.Change{ev}, nil
	})
	return a, err
}

// Approve approves a proposed assignment. Returns NotFound,
// FailedPrecondition.
func (s *Service) Approve(ctx context.Context, who auth.Claims, id string) (*guidesv1.Assignment, error) {
	return s.transition(ctx, who, id, func(a *guidesv1.Assignment) error {
		if a.GetStatus() != stProposed {
			return apperr.Errorf(apperr.FailedPrecondition, "only a proposed assignment can be approved")
		}
		a.Status = stApproved
		return nil
	})
}

// holding tells Slots whether an assignment still holds its unit.
func (s *Service) holding(ctx context.Context, id string, _ time.Time) (bool, error) {
	a, _, err := s.Assignments.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return live(a.GetStatus()), nil
}

// Accept records party's acceptance of an approved assignment. The second
// acceptance reserves one unit of the organisation's capacity in the
// municipality and language (a compare-and-set on the unit's holders, so
// concurrent accepts on any replicas never exceed it) before the
// assignment becomes assigned. Returns NotFound, Invalid ("party"),
// FailedPrecondition (not approved, accepted twice, no capacity).
func (s *Service) Accept(ctx context.Context, who auth.Claims, id, party string) (*guidesv1.Assignment, error) {
	if party != PartyNewcomer && party != PartyOrganisation {
		return nil, apperr.FieldError("party", "must be the newcomer or the organisation")
	}
	cur, err := s.GetAssignment(ctx, who, id)
	if err != nil {
		return nil, err
	}
	other := cur.GetOrganisationAccepted()
	if party == PartyOrganisation {
		other = cur.GetNewcomerAccepted()
	}
	if other && cur.GetStatus() == stApproved {
		// This acceptance completes it: hold the capacity first. A crash
		// after the reservation leaves a holder whose assignment is still
		// approved (live), which a retry completes; a decline releases it.
		if err := s.Slots.Reserve(ctx, resource(cur), 1, s.capacity(cur), id, s.holding); err != nil {
			if errors.Is(err, proposal.ErrNoSlot) || apperr.ErrorCode(err) == apperr.FailedPrecondition {
				return nil, apperr.Errorf(apperr.FailedPrecondition, "the guide organisation has no free capacity in this municipality and language")
			}
			return nil, fmt.Errorf("reserve: %w", err)
		}
	}
	return s.transition(ctx, who, id, func(a *guidesv1.Assignment) error {
		if a.GetStatus() != stApproved {
			return apperr.Errorf(apperr.FailedPrecondition, "only an approved assignment can be accepted")
		}
		if (party == PartyNewcomer && a.GetNewcomerAccepted()) || (party == PartyOrganisation && a.GetOrganisationAccepted()) {
			return apperr.Errorf(apperr.FailedPrecondition, "already accepted")
		}
		if party == PartyNewcomer {
			a.NewcomerAccepted = true
		} else {
			a.OrganisationAccepted = true
		}
		if a.GetNewcomerAccepted() && a.GetOrganisationAccepted() {
			if !other {
				// The other party accepted meanwhile, after our check:
				// refuse rather than take capacity we did not reserve.
				return apperr.Errorf(apperr.Conflict, "the assignment changed; try again")
			}
			a.Status, a.AssignTime = stAssigned, timestamppb.New(s.Now())
		}
		return nil
	})
}

// Activate marks an assigned assignment active: the guidance started.
// Returns NotFound, FailedPrecondition.
func (s *Service) Activate(ctx context.Context, who auth.Claims, id string) (*guidesv1.Assignment, error) {
	return s.transition(ctx, who, id, func(a *guidesv1.Assignment) error {
		if a.GetStatus() != stAssigned {
			return apperr.Errorf(apperr.FailedPrecondition, "only an assigned assignment can become active")
		}
		a.Status = stActive
		return nil
	})
}

// End ends an assigned or active assignment with reason and frees its
// unit. Returns NotFound, Invalid ("reason"), FailedPrecondition.
func (s *Service) End(ctx context.Context, who auth.Claims, id string, reason eventsv1.AssignmentEndReason) (*guidesv1.Assignment, error) {
	if _, ok := eventsv1.AssignmentEndReason_name[int32(reason)]; !ok || reason == 0 {
		return nil, apperr.FieldError("reason", "is required: period over, moved, found work, opted out or organisation left")
	}
	a, err := s.transition(ctx, who, id, func(a *guidesv1.Assignment) error {
		if a.GetStatus() != stAssigned && a.GetStatus() != stActive {
			return apperr.Errorf(apperr.FailedPrecondition, "only an assigned or active assignment can end")
		}
		a.Status, a.EndReason, a.EndTime = stEnded, reason, timestamppb.New(s.Now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, s.Slots.Release(ctx, resource(a), a.GetId())
}

// Leave is the pool's leaver. A newcomer who left has their open
// assignments withdrawn and running ones ended (opted out); an erased
// newcomer's assignments are removed and purged, with the job data. A
// guide organisation that left has its assignments withdrawn or ended with
// ORGANISATION_LEFT, which makes their newcomers re-proposed first by the
// next job. Idempotent.
func (s *Service) Leave(ctx context.Context, id string, organisation, erased bool) error {
	index := "participant"
	reason := eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_OPTED_OUT
	if organisation {
		index, reason = "organisation", eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_ORGANISATION_LEFT
	}
	pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: index, Values: []string{id}})
	if err != nil {
		return err
	}
	svc := auth.Claims{Subject: "guides", Role: auth.RoleService}
	for _, a := range pg.Items {
		if erased {
			if err := s.Slots.Release(ctx, resource(a), a.GetId()); err != nil {
				return err
			}
			if err := s.Assignments.Remove(ctx, a.GetId(), true); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return err
			}
			if s.Purge != nil {
				if err := s.Purge(ctx, a.GetId()); err != nil {
					return err
				}
			}
			continue
		}
		if !live(a.GetStatus()) {
			continue
		}
		_, err := s.transition(ctx, svc, a.GetId(), func(a *guidesv1.Assignment) error {
			switch a.GetStatus() {
			case stProposed, stApproved:
				a.Status = stWithdrawn
			case stAssigned, stActive:
				a.Status = stEnded
			default:
				return nil
			}
			a.EndReason, a.EndTime = reason, timestamppb.New(s.Now())
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.Slots.Release(ctx, resource(a), a.GetId()); err != nil {
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
// (assigned or active), never typed in. Coordinators see the units in
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
		g := &guidesv1.GuideOrganisation{OrganisationId: o.GetOrganisationId(), Type: o.GetType()}
		for _, c := range o.GetCapacities() {
			if !visible(who, c.GetMunicipalityCode()) {
				continue
			}
			g.Capacities = append(g.Capacities, &guidesv1.GuideCapacity{MunicipalityCode: c.GetMunicipalityCode(),
				Language: c.GetLanguage(), Capacity: c.GetCapacity(), Caseload: load[c.GetMunicipalityCode()+"/"+c.GetLanguage()]})
		}
		if len(g.Capacities) > 0 {
			out = append(out, g)
		}
	}
	return out, "", nil
}

// Decline records that party declined a proposed or approved assignment
// and gives back a place it may hold (a reservation whose write did not
// land). Returns NotFound, Invalid ("party"), FailedPrecondition.
func (s *Service) Decline(ctx context.Context, who auth.Claims, id, party string) (*guidesv1.Assignment, error) {
	if party != PartyNewcomer && party != PartyOrganisation {
		return nil, apperr.FieldError("party", "must be the newcomer or the organisation")
	}
	a, err := s.transition(ctx, who, id, func(a *guidesv1.Assignment) error {
		if a.GetStatus() != stProposed && a.GetStatus() != stApproved {
			return apperr.Errorf(apperr.FailedPrecondition, "only a proposed or approved assignment can be declined")
		}
		a.Status, a.EndTime = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED, timestamppb.New(s.Now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, s.Slots.Release(ctx, resource(a), a.GetId())
}
