package participant

// Consent: a newcomer's consents change only through RecordConsent and
// WithdrawConsent, never through Update (Updatable), so every change of
// consent is an explicit act with its own ParticipantConsentChanged event.

import (
	"context"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// RecordConsent records consent for c.Purpose, replacing an earlier consent
// for the same purpose. Returns Invalid, NotFound.
func (s *Service) RecordConsent(ctx context.Context, who auth.Claims, id string, c *pb.Consent) (*pb.Participant, error) {
	now := s.now().UTC()
	if err := checkRecordConsent(id, c, now); err != nil {
		return nil, err
	}
	c = proto.Clone(c).(*pb.Consent)
	if c.GetGivenTime() == nil {
		c.GivenTime = timestamppb.New(now)
	}
	c.WithdrawnTime = nil
	return s.changeConsent(ctx, who, id, c.GetPurpose(), true, func(p *pb.Participant) error {
		p.Consents = slices.DeleteFunc(p.Consents, func(o *pb.Consent) bool { return o.GetPurpose() == c.GetPurpose() })
		p.Consents = append(p.Consents, proto.Clone(c).(*pb.Consent))
		return nil
	})
}

// ValidateConsent checks id and c as RecordConsent does, and records
// nothing (see ValidateCreate). Returns Invalid.
func (s *Service) ValidateConsent(id string, c *pb.Consent) error {
	return checkRecordConsent(id, c, s.now().UTC())
}

// checkRecordConsent is RecordConsent's check of its request.
func checkRecordConsent(id string, c *pb.Consent, now time.Time) error {
	var v apperr.Validator
	if !ids.Valid(id) {
		v.Add("participant_id", "is not an id")
	}
	if c == nil {
		v.Add("consent", "is required")
	} else {
		validateConsent(&v, "consent", c, now)
	}
	return v.Err()
}

// WithdrawConsent marks the consent for purpose withdrawn now. Returns
// Invalid, NotFound, FailedPrecondition when no consent is in force.
func (s *Service) WithdrawConsent(ctx context.Context, who auth.Claims, id string, purpose eventsv1.ConsentPurpose) (*pb.Participant, error) {
	var v apperr.Validator
	if !ids.Valid(id) {
		v.Add("participant_id", "is not an id")
	}
	people.Enum(&v, "purpose", purpose, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return s.changeConsent(ctx, who, id, purpose, false, func(p *pb.Participant) error {
		withdrawn := false
		for _, c := range p.GetConsents() {
			if c.GetPurpose() == purpose && c.GetWithdrawnTime() == nil {
				c.WithdrawnTime = timestamppb.New(now)
				withdrawn = true
			}
		}
		if !withdrawn {
			return apperr.Errorf(apperr.FailedPrecondition, "no consent for that purpose is in force")
		}
		return nil
	})
}

// changeConsent applies change to the stored participant. change may run
// more than once (the store retries on conflict) and must only touch p.
func (s *Service) changeConsent(ctx context.Context, who auth.Claims, id string, purpose eventsv1.ConsentPurpose, granted bool, change func(p *pb.Participant) error) (*pb.Participant, error) {
	if !people.CanWrite(who) {
		return nil, apperr.Errorf(apperr.PermissionDenied, "your role may not change consent")
	}
	now := s.now().UTC()
	out, rev, err := s.repo.Update(ctx, id, func(cur *pb.Participant, _ uint64) (store.Change, error) {
		if !who.CanSee(cur.GetOrganisationId(), cur.GetMunicipalityCode()) {
			return nil, apperr.Errorf(apperr.NotFound, "participant not found")
		}
		before := proto.Clone(cur)
		if err := change(cur); err != nil {
			return nil, err
		}
		if proto.Equal(before, cur) {
			return nil, nil // the same consent again: nothing to record
		}
		cur.UpdateTime = timestamppb.New(now)
		ev, err := s.event(events.ParticipantConsentChanged, id, &eventsv1.ParticipantConsentChanged{
			ParticipantId: id, Purpose: purpose, Granted: granted, Facts: Facts(cur, now)})
		if err != nil {
			return nil, err
		}
		return store.Change{ev}, nil
	})
	if err != nil {
		return nil, notFound(err)
	}
	_ = s.cache.Invalidate(ctx, cacheKey(id))
	return withEtag(out, rev), nil
}
