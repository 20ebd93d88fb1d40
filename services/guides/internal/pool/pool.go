// Package pool is the guides service's view of other services' facts: the
// newcomers who consent to the guides purpose (permit date, programme
// status, parental leave and the groups equity counts by; codes and dates
// only) and the guide organisations with their capacity per municipality
// and language. Every replica keeps both in memory, fed straight from the
// participants' and the volunteers' streams (replayed at start; ADR 0088)
// through the kit's pkg/pool over events.Pool, so handling is idempotent
// and order-safe and a person who leaves becomes a tombstone; leaving and
// resizing reach the service through the durable consumers
// (HandleParticipantLeave, HandleOrganisationChange). This package keeps
// only guides' filters and record shapes.
package pool

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	kitpool "github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Names of the pool's sides: the KV buckets they were kept in before ADR
// 0088, deleted at start.
const (
	NewcomerBucket     = "guides_newcomers"
	OrganisationBucket = "guides_organisations"
)

// Leaver is told when a newcomer leaves the pool (erased: every trace must
// go) or a guide organisation stops guiding (organisation true). It must be
// idempotent.
type Leaver func(ctx context.Context, id string, organisation, erased bool) error

// Pool holds the newcomers and the guide organisations.
type Pool struct {
	Newcomers     *store.Repo[*guidesv1.PoolNewcomer]
	Organisations *store.Repo[*guidesv1.GuideOrganisation]
	leave         Leaver
	resized       func(ctx context.Context, organisation string) error

	newcomers *kitpool.Side[*guidesv1.PoolNewcomer]
	orgs      *kitpool.Side[*guidesv1.GuideOrganisation]
}

// Open opens both sides and feeds them: it returns once they hold every
// event the streams held. The "municipality" index finds newcomers. kr,
// if not nil, opens the events' sealed payloads.
func Open(ctx context.Context, js jetstream.JetStream, kr *seal.Keyring) (*Pool, error) {
	p := &Pool{leave: func(context.Context, string, bool, bool) error { return nil }}
	var err error
	p.newcomers, err = kitpool.Open(ctx, js, kitpool.Spec[*guidesv1.PoolNewcomer]{
		Bucket: NewcomerBucket, Source: kitpool.Participants, Keyring: kr, IDField: "participant_id",
		New: func() *guidesv1.PoolNewcomer { return &guidesv1.PoolNewcomer{} },
		Indexes: map[string]func(*guidesv1.PoolNewcomer) []string{
			"municipality": func(n *guidesv1.PoolNewcomer) []string { return []string{n.GetMunicipalityCode()} },
		},
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, id, false, erased) },
	})
	if err != nil {
		return nil, err
	}
	p.orgs, err = kitpool.Open(ctx, js, kitpool.Spec[*guidesv1.GuideOrganisation]{
		Bucket: OrganisationBucket, Source: kitpool.Organisations, Keyring: kr, IDField: "organisation_id",
		New:   func() *guidesv1.GuideOrganisation { return &guidesv1.GuideOrganisation{} },
		Leave: func(ctx context.Context, id string, _ bool) error { return p.leave(ctx, id, true, false) },
	})
	if err != nil {
		return nil, err
	}
	p.Newcomers, p.Organisations = p.newcomers.Repo, p.orgs.Repo
	if err := p.newcomers.Start(ctx, p.HandleParticipant); err != nil {
		return nil, err
	}
	if err := p.orgs.Start(ctx, p.HandleVolunteer); err != nil {
		p.newcomers.Close()
		return nil, err
	}
	return p, nil
}

// Sides are the pool's sides by name, for tests (service.ProgrammeOptions.Pools).
func (p *Pool) Sides() map[string]kitpool.View {
	return map[string]kitpool.View{NewcomerBucket: p.newcomers, OrganisationBucket: p.orgs}
}

// HandleParticipantLeave is the participants durable consumer's handler:
// it tells the Leaver about a newcomer who left (kitpool.Side.HandleLeave).
func (p *Pool) HandleParticipantLeave(ctx context.Context, env *eventsv1.Envelope) error {
	return p.newcomers.HandleLeave(ctx, env)
}

// HandleOrganisationChange is the organisations durable consumer's
// handler (updates and deletions): once the side has applied the event,
// the Leaver hears of an organisation that stopped guiding, then the
// resizer (SetResized) closes what a lowered capacity no longer holds. A
// creation needs neither: it holds nothing yet.
func (p *Pool) HandleOrganisationChange(ctx context.Context, env *eventsv1.Envelope) error {
	if err := p.orgs.HandleLeave(ctx, env); err != nil || p.resized == nil {
		return err
	}
	return p.resized(ctx, env.GetSubjectId())
}

// SetLeaver sets who is told about leavers; call before consuming.
func (p *Pool) SetLeaver(l Leaver) { p.leave = l }

// SetResized sets who is told that a guide organisation's record changed
// (its capacity may have dropped); call before consuming. It must be
// idempotent: a redelivered event calls it again.
func (p *Pool) SetResized(f func(ctx context.Context, organisation string) error) { p.resized = f }

// Close stops feeding both sides.
func (p *Pool) Close() {
	p.newcomers.Close()
	p.orgs.Close()
}

// Sync waits until both sides have applied every event their streams
// held at the call (kitpool.Side.Sync), so a job's snapshot taken after
// it holds no one whose erasure was published before: ADR 0130 leaves
// out only those erased while the job runs. Returns ctx's error, or
// Unavailable when a side is 10 s behind.
func (p *Pool) Sync(ctx context.Context) error {
	if err := p.newcomers.Sync(ctx); err != nil {
		return err
	}
	return p.orgs.Sync(ctx)
}

// Newcomer returns the newcomer with id if in the pool.
func (p *Pool) Newcomer(id string) (*guidesv1.PoolNewcomer, bool) { return p.newcomers.Live(id) }

// InMunicipalities returns the newcomers in munis, sorted by id. The
// records are shared with the index: do not modify them.
func (p *Pool) InMunicipalities(munis []string) ([]*guidesv1.PoolNewcomer, error) {
	pg, err := p.Newcomers.Find(store.Query[*guidesv1.PoolNewcomer]{Index: "municipality", Values: munis})
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	return pg.Items, nil
}

// Guides returns the guide organisations, sorted by id.
func (p *Pool) Guides() ([]*guidesv1.GuideOrganisation, error) {
	pg, err := p.Organisations.Find(store.Query[*guidesv1.GuideOrganisation]{
		Filter: func(o *guidesv1.GuideOrganisation) bool { return !o.GetGone() }})
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	return pg.Items, nil
}

// HandleParticipant applies one participants event: a newcomer who
// consents to guides is in the pool. Unknown types are ignored.
func (p *Pool) HandleParticipant(ctx context.Context, env *eventsv1.Envelope) error {
	return p.newcomers.ApplyParticipant(ctx, env, func(f *eventsv1.ParticipantFacts) (*guidesv1.PoolNewcomer, bool) {
		if !slices.Contains(f.GetConsentedPurposes(), eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES) {
			return nil, false
		}
		return newcomerFrom(f), true
	})
}

// HandleVolunteer applies one volunteers event about an organisation; an
// organisation with guide capacities is a guide organisation. Other types
// are ignored. The side's feed calls it; resizing is
// HandleOrganisationChange's.
func (p *Pool) HandleVolunteer(ctx context.Context, env *eventsv1.Envelope) error {
	return p.applyOrganisation(ctx, env)
}

// applyOrganisation stores what one volunteers event says about a guide
// organisation.
func (p *Pool) applyOrganisation(ctx context.Context, env *eventsv1.Envelope) error {
	return p.orgs.ApplyOrganisation(ctx, env, func(f *eventsv1.OrganisationFacts) (*guidesv1.GuideOrganisation, bool) {
		if len(f.GetGuideCapacities()) == 0 {
			return nil, false
		}
		o := &guidesv1.GuideOrganisation{OrganisationId: f.GetOrganisationId(), Type: f.GetType()}
		for _, c := range f.GetGuideCapacities() {
			o.Capacities = append(o.Capacities, &guidesv1.GuideCapacity{
				MunicipalityCode: c.GetMunicipalityCode(), Language: c.GetLanguage(), Capacity: c.GetCapacity()})
		}
		return o, true
	})
}

func newcomerFrom(f *eventsv1.ParticipantFacts) *guidesv1.PoolNewcomer {
	n := &guidesv1.PoolNewcomer{
		ParticipantId:       f.GetParticipantId(),
		MunicipalityCode:    f.GetMunicipalityCode(),
		Gender:              f.GetGender(),
		AgeBand:             f.GetAgeBand(),
		HouseholdSize:       max(f.GetHouseholdSize(), 1),
		EstablishmentStatus: int32(f.GetEstablishmentStatus()),
		ParentalLeave:       int32(f.GetParentalLeave()),
		ResidencePermitDate: f.GetResidencePermitDate(),
		Consented:           true,
	}
	for _, a := range f.GetHouseholdMemberAges() {
		if a < 18 {
			n.HasChildren = true
		}
	}
	for _, l := range f.GetLanguages() {
		n.Languages = append(n.Languages, l.GetCode())
	}
	if t, err := time.Parse(time.RFC3339, f.GetRegisteredAt()); err == nil {
		n.RegisterTime = timestamppb.New(t)
	}
	// n shares nothing with f (strings, and codes copied out of the
	// language messages), so it needs no copy (ADR 0151).
	return n
}
