package guides

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// orgLeft is the end reason of an assignment whose organisation left or
// lowered its capacity: its newcomer is re-proposed first.
const orgLeft = eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_ORGANISATION_LEFT

// Resized is the pool's hook for a changed guide organisation: in every
// unit (municipality and language) where the organisation now offers
// fewer places than it holds live assignments, the excess is closed with
// ORGANISATION_LEFT, so those newcomers are re-proposed first by the next
// job. Open assignments (proposed, approved) go before taken-up ones, and
// within each the newest first: a newcomer whose guidance has started
// keeps it as long as places allow. Idempotent: the same record closes
// nothing the second time.
//
// Which to close is decided from the statuses read, so each close is
// made only while its assignment still has the status it was chosen by
// (CloseIf): one taken up in between (both parties accepting, on any
// replica) was ended although they had just been told it was assigned,
// and an open one kept instead. A moved status decides again from fresh
// records; a unit that keeps moving leaves the event to be retried.
func (s *Service) Resized(ctx context.Context, org string) error {
	for attempt := 0; ; attempt++ {
		err := s.resize(ctx, org)
		if !errors.Is(err, proposal.ErrMoved) || attempt == resizeAttempts {
			return err
		}
	}
}

// resizeAttempts bounds how often Resized decides again because an
// assignment moved under it; accepts are few per unit, so a handful of
// rounds settles any real one.
const resizeAttempts = 20

// resize is one round of Resized.
func (s *Service) resize(ctx context.Context, org string) error {
	o, _, err := s.Pool.Organisations.Get(ctx, org)
	switch {
	case apperr.ErrorCode(err) == apperr.NotFound:
		return nil // not a guide organisation
	case err != nil:
		return err
	case o.GetGone():
		return nil // the leaver closes everything
	}
	places := map[string]int{}
	for _, c := range o.GetCapacities() {
		places[c.GetMunicipalityCode()+"/"+c.GetLanguage()] += int(c.GetCapacity())
	}
	// Assignments another replica wrote or changed a moment ago too.
	if err := s.Assignments.Sync(ctx); err != nil {
		return err
	}
	pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: "organisation", Values: []string{org}})
	if err != nil {
		return err
	}
	held := map[string][]*guidesv1.Assignment{}
	for _, a := range pg.Items {
		if live(a.GetStatus()) {
			k := a.GetMunicipalityCode() + "/" + a.GetLanguage()
			held[k] = append(held[k], a)
		}
	}
	for unit, as := range held {
		excess := len(as) - places[unit]
		if excess <= 0 {
			continue
		}
		slices.SortFunc(as, closeFirst)
		for _, a := range as[:excess] {
			if _, err := s.life.CloseIf(ctx, JobKind, a.GetId(), int32(orgLeft), state(a).Status); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return err
			}
		}
	}
	return nil
}

// closeFirst orders the assignments of an oversold unit by which to close
// first: open ones before taken-up ones, then the newest proposal, then
// by id so replicas agree.
func closeFirst(a, b *guidesv1.Assignment) int {
	taken := func(x *guidesv1.Assignment) int {
		if x.GetStatus() == stAssigned || x.GetStatus() == stActive {
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(taken(a), taken(b)),
		b.GetProposeTime().AsTime().Compare(a.GetProposeTime().AsTime()),
		cmp.Compare(a.GetId(), b.GetId()))
}

// reproposedIn counts, per unit key "municipality/language", the
// newcomers of org's assignments closed with ORGANISATION_LEFT who have no
// live assignment now: the ones the next job proposes first.
func (s *Service) reproposedIn(as []*guidesv1.Assignment) (map[string]int32, error) {
	out := map[string]int32{}
	seen := map[string]bool{}
	for _, a := range as {
		if live(a.GetStatus()) || a.GetEndReason() != orgLeft || seen[a.GetParticipantId()] {
			continue
		}
		seen[a.GetParticipantId()] = true
		pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: "participant", Values: []string{a.GetParticipantId()},
			Filter: func(x *guidesv1.Assignment) bool { return live(x.GetStatus()) }})
		if err != nil {
			return nil, err
		}
		if pg.Total == 0 {
			out[a.GetMunicipalityCode()+"/"+a.GetLanguage()]++
		}
	}
	return out, nil
}
