// Package pool is the guides service's view of other services' facts: the
// newcomers who consent to the guides purpose (permit date, programme
// status, parental leave and the groups equity counts by; codes and dates
// only) and the guide organisations with their capacity per municipality
// and language. Both are KV buckets fed by the participants' and the
// volunteers' events through the kit's events.Pool, so handling is
// idempotent and order-safe and a person who leaves becomes a tombstone.
// This package keeps only guides' filters and record shapes.
package pool

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Buckets of the pool.
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

	newcomers events.Pool[*guidesv1.PoolNewcomer]
	orgs      events.Pool[*guidesv1.GuideOrganisation]
}

// Open opens both buckets; the "municipality" index finds newcomers. kr,
// if not nil, seals each newcomer's record with their own key (a tombstone,
// holding only the id, stays in clear), so erasure shreds it.
func Open(ctx context.Context, js jetstream.JetStream, replicas int, kr *seal.Keyring) (*Pool, error) {
	nrepo, err := store.Open(ctx, js, store.Config[*guidesv1.PoolNewcomer]{
		Bucket: NewcomerBucket, Replicas: replicas, Keyring: kr,
		Subject: func(id string, n *guidesv1.PoolNewcomer) string {
			if n.GetGone() {
				return ""
			}
			return id
		},
		New: func() *guidesv1.PoolNewcomer { return &guidesv1.PoolNewcomer{} },
		Indexes: map[string]func(*guidesv1.PoolNewcomer) []string{
			"municipality": func(n *guidesv1.PoolNewcomer) []string {
				if n.GetGone() {
					return nil
				}
				return []string{n.GetMunicipalityCode()}
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	orepo, err := store.Open(ctx, js, store.Config[*guidesv1.GuideOrganisation]{
		Bucket: OrganisationBucket, Replicas: replicas,
		New: func() *guidesv1.GuideOrganisation { return &guidesv1.GuideOrganisation{} },
	})
	if err != nil {
		nrepo.Close()
		return nil, fmt.Errorf("pool: %w", err)
	}
	p := &Pool{Newcomers: nrepo, Organisations: orepo,
		leave: func(context.Context, string, bool, bool) error { return nil }}
	p.newcomers = events.Pool[*guidesv1.PoolNewcomer]{Records: nrepo,
		Stamp: func(n *guidesv1.PoolNewcomer) (time.Time, string) { return stamp(n.GetEventTime(), n.GetEventId()) },
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, id, false, erased) }}
	p.orgs = events.Pool[*guidesv1.GuideOrganisation]{Records: orepo,
		Stamp: func(o *guidesv1.GuideOrganisation) (time.Time, string) {
			return stamp(o.GetEventTime(), o.GetEventId())
		},
		Leave: func(ctx context.Context, id string, _ bool) error { return p.leave(ctx, id, true, false) }}
	return p, nil
}

func stamp(at *timestamppb.Timestamp, id string) (time.Time, string) {
	if at == nil {
		return time.Time{}, id
	}
	return at.AsTime(), id
}

// SetLeaver sets who is told about leavers; call before consuming.
func (p *Pool) SetLeaver(l Leaver) { p.leave = l }

// Close closes both buckets.
func (p *Pool) Close() {
	p.Newcomers.Close()
	p.Organisations.Close()
}

// Newcomer returns the newcomer with id if in the pool.
func (p *Pool) Newcomer(id string) (*guidesv1.PoolNewcomer, bool) {
	n, ok := p.Newcomers.Lookup(id)
	if !ok || n.GetGone() {
		return nil, false
	}
	return n, true
}

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

// HandleParticipant applies one participants event; unknown types are
// ignored.
func (p *Pool) HandleParticipant(ctx context.Context, env *eventsv1.Envelope) error {
	msg, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return events.Permanent(fmt.Errorf("pool: payload of %s: %w", env.GetType(), err))
	}
	var facts *eventsv1.ParticipantFacts
	var id string
	erased := false
	switch m := msg.(type) {
	case *eventsv1.ParticipantRegistered:
		facts = m.GetFacts()
	case *eventsv1.ParticipantUpdated:
		facts = m.GetFacts()
	case *eventsv1.ParticipantConsentChanged:
		facts, id = m.GetFacts(), m.GetParticipantId()
	case *eventsv1.ParticipantDeleted:
		id = m.GetParticipantId()
	case *eventsv1.ParticipantErased:
		id, erased = m.GetParticipantId(), true
	default:
		return nil
	}
	if facts != nil {
		id = facts.GetParticipantId()
	}
	if !ids.Valid(id) {
		return events.Permanent(fmt.Errorf("pool: %s without a valid participant id", env.GetType()))
	}
	var next *guidesv1.PoolNewcomer
	if facts != nil && slices.Contains(facts.GetConsentedPurposes(), eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES) {
		next = newcomerFrom(facts)
	} else {
		next = &guidesv1.PoolNewcomer{ParticipantId: id, Gone: true, Erased: erased}
	}
	next.EventTime, next.EventId = env.GetOccurredAt(), env.GetId()
	return p.newcomers.Apply(ctx, env, events.Change[*guidesv1.PoolNewcomer]{ID: id, Next: next, Gone: next.GetGone(), Erased: erased})
}

// HandleVolunteer applies one volunteers event about an organisation; an
// organisation with guide capacities is a guide organisation. Other types
// are ignored.
func (p *Pool) HandleVolunteer(ctx context.Context, env *eventsv1.Envelope) error {
	msg, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return events.Permanent(fmt.Errorf("pool: payload of %s: %w", env.GetType(), err))
	}
	var facts *eventsv1.OrganisationFacts
	var id string
	switch m := msg.(type) {
	case *eventsv1.OrganisationCreated:
		facts = m.GetFacts()
	case *eventsv1.OrganisationUpdated:
		facts = m.GetFacts()
	case *eventsv1.OrganisationDeleted:
		id = m.GetOrganisationId()
	default:
		return nil
	}
	if facts != nil {
		id = facts.GetOrganisationId()
	}
	if !ids.Valid(id) {
		return events.Permanent(fmt.Errorf("pool: %s without a valid organisation id", env.GetType()))
	}
	next := &guidesv1.GuideOrganisation{OrganisationId: id, Gone: true}
	if len(facts.GetGuideCapacities()) > 0 {
		next = &guidesv1.GuideOrganisation{OrganisationId: id, Type: facts.GetType()}
		for _, c := range facts.GetGuideCapacities() {
			next.Capacities = append(next.Capacities, &guidesv1.GuideCapacity{
				MunicipalityCode: c.GetMunicipalityCode(), Language: c.GetLanguage(), Capacity: c.GetCapacity()})
		}
	}
	next.EventTime, next.EventId = env.GetOccurredAt(), env.GetId()
	return p.orgs.Apply(ctx, env, events.Change[*guidesv1.GuideOrganisation]{ID: id, Next: next, Gone: next.GetGone()})
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
	return proto.Clone(n).(*guidesv1.PoolNewcomer)
}
