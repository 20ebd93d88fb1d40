package notice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// ApplyTimeout bounds one call that applies an answer to its programme.
const ApplyTimeout = 30 * time.Second

// AnswerGrace is how long a claimed answer may be on its way to the
// programme before the sweep takes it for lost. It is well past
// ApplyTimeout, so the sweep never repeats an answer still in flight.
const AnswerGrace = 4 * ApplyTimeout

// errTaken stops a recovery another replica's sweep took first.
var errTaken = errors.New("taken by another sweep")

// apply sends one answer of link l to its programme, within ApplyTimeout.
func (s *Service) apply(ctx context.Context, l *pb.StoredLink, action pb.AnswerAction, reason pb.DeclineReason) error {
	ctx, cancel := context.WithTimeout(ctx, ApplyTimeout)
	defer cancel()
	return s.d.Programmes.Apply(ctx, AnswerCall{Programme: l.GetProgramme(), ProposalID: l.GetProposalId(), Role: l.GetRole(),
		Action: action, Reason: reason, OrganisationID: l.GetOrganisationId(), Municipality: l.GetMunicipalityCode()})
}

// settle marks link id's claimed answer as dealt with by the programme
// (recorded, or refused because the proposal moved on). A failure only
// leaves it pending: the sweep then applies it again, which the
// programme's lifecycle answers as already done.
func (s *Service) settle(ctx context.Context, id string) {
	if _, _, err := s.d.Links.Update(ctx, id, func(cur *pb.StoredLink, _ uint64) (store.Change, error) {
		cur.Pending = false
		return nil, nil
	}); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
		s.d.Logger.Warn("notify: settle answered link", "err", err)
	}
}

// RecoverAnswers applies the answers whose links were claimed more than
// AnswerGrace ago and are still pending: the process that claimed them
// stopped (a crash, a kill) before the programme recorded the answer, and
// the person's page already says "answered" (ADR 0131). Each is taken by
// compare-and-set on its claim time first, so two replicas' sweeps apply
// it once; an answer the programme refuses because the proposal moved on
// (or had recorded it already) is settled as the live path settles it.
// It returns how many it applied.
func (s *Service) RecoverAnswers(ctx context.Context, now time.Time) (int, error) {
	res, err := s.d.Links.Find(store.Query[*pb.StoredLink]{Filter: func(l *pb.StoredLink) bool {
		return l.GetPending() && l.GetUsedTime() != nil && l.GetUsedTime().AsTime().Add(AnswerGrace).Before(now)
	}})
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	for _, l := range res.Items {
		seen := l.GetUsedTime().AsTime()
		_, _, err := s.d.Links.Update(ctx, l.GetId(), func(cur *pb.StoredLink, _ uint64) (store.Change, error) {
			if !cur.GetPending() || cur.GetUsedTime() == nil || !cur.GetUsedTime().AsTime().Equal(seen) {
				return nil, errTaken
			}
			cur.UsedTime = timestamppb.New(now.UTC())
			return nil, nil
		})
		switch {
		case errors.Is(err, errTaken) || apperr.ErrorCode(err) == apperr.NotFound:
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("take pending answer: %w", err))
			continue
		}
		switch err := s.apply(ctx, l, l.GetAnswer(), l.GetReason()); apperr.ErrorCode(err) {
		case "", apperr.FailedPrecondition, apperr.NotFound:
			s.settle(ctx, l.GetId())
			n++
		default:
			// Still pending: the next sweep after the grace tries again.
			errs = append(errs, fmt.Errorf("apply pending answer: %s", apperr.ErrorCode(err)))
		}
	}
	if n > 0 {
		s.d.Logger.Info("notify: applied answers a stopped process had claimed", "answers", n)
	}
	return n, errors.Join(errs...)
}
