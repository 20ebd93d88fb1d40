// Package pool is the mentoring candidate pool: the newcomers who consent
// to the mentoring purpose and the volunteers who are mentors with a valid
// background check, holding only what matching and reports need. It is
// kept in two KV buckets (so every replica shares it and it survives
// restarts) and fed by the participants' and volunteers' events.
//
// Handling an event is idempotent and order-safe, by the kit's
// events.Pool: each record remembers the time and id of the newest event
// applied, and an older or repeated event changes nothing. A person who
// leaves (consent withdrawn, no longer a mentor, deleted, erased) becomes a
// tombstone holding only the id and that event time, so a replayed older
// event cannot bring them back; the caller is told at once (Leaver) so open
// proposals are withdrawn. This package keeps only mentoring's filter (who
// enters the pool) and its record shapes.
package pool

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Buckets of the pool.
const (
	NewcomerBucket = "mentoring_newcomers"
	MentorBucket   = "mentoring_mentors"
)

// Kind says which side of the pool a person is on.
type Kind int

// The kinds.
const (
	Newcomer Kind = iota
	Mentor
)

// Leaver is told when a person leaves the pool; erased means every trace of
// them must go. It must be idempotent: a redelivered event calls it again.
type Leaver func(ctx context.Context, kind Kind, id string, erased bool) error

// Pool is the candidate pool.
type Pool struct {
	Newcomers *store.Repo[*mentoringv1.PoolNewcomer]
	Mentors   *store.Repo[*mentoringv1.PoolMentor]
	leave     Leaver

	newcomers events.Pool[*mentoringv1.PoolNewcomer]
	mentors   events.Pool[*mentoringv1.PoolMentor]
}

// ScopeKey is the value of the "scope" index: organisation and
// municipality.
func ScopeKey(org, muni string) string { return org + "/" + muni }

// Open opens both buckets. leave may be nil. kr, if not nil, seals each
// person's pool record with their data key (a tombstone stays in clear).
func Open(ctx context.Context, js jetstream.JetStream, replicas int, leave Leaver, kr *seal.Keyring) (*Pool, error) {
	ncfg := store.Config[*mentoringv1.PoolNewcomer]{
		Bucket: NewcomerBucket, Replicas: replicas,
		New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
		Indexes: map[string]func(*mentoringv1.PoolNewcomer) []string{
			"scope": func(n *mentoringv1.PoolNewcomer) []string {
				if n.GetGone() {
					return nil
				}
				return []string{ScopeKey(n.GetOrganisationId(), n.GetMunicipalityCode())}
			},
		},
	}
	ncfg.Keyring, ncfg.Subject = kr, func(id string, n *mentoringv1.PoolNewcomer) string { return sealedUnlessGone(id, n.GetGone()) }
	nrepo, err := store.Open(ctx, js, ncfg)
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	mcfg := store.Config[*mentoringv1.PoolMentor]{
		Bucket: MentorBucket, Replicas: replicas,
		New: func() *mentoringv1.PoolMentor { return &mentoringv1.PoolMentor{} },
		Indexes: map[string]func(*mentoringv1.PoolMentor) []string{
			"scope": func(m *mentoringv1.PoolMentor) []string {
				if m.GetGone() {
					return nil
				}
				return []string{ScopeKey(m.GetOrganisationId(), m.GetMunicipalityCode())}
			},
		},
	}
	mcfg.Keyring, mcfg.Subject = kr, func(id string, m *mentoringv1.PoolMentor) string { return sealedUnlessGone(id, m.GetGone()) }
	mrepo, err := store.Open(ctx, js, mcfg)
	if err != nil {
		nrepo.Close()
		return nil, fmt.Errorf("pool: %w", err)
	}
	if leave == nil {
		leave = func(context.Context, Kind, string, bool) error { return nil }
	}
	p := &Pool{Newcomers: nrepo, Mentors: mrepo, leave: leave}
	p.newcomers = events.Pool[*mentoringv1.PoolNewcomer]{Records: nrepo,
		Stamp: func(n *mentoringv1.PoolNewcomer) (time.Time, string) { return stamp(n.GetEventTime(), n.GetEventId()) },
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Newcomer, id, erased) }}
	p.mentors = events.Pool[*mentoringv1.PoolMentor]{Records: mrepo,
		Stamp: func(m *mentoringv1.PoolMentor) (time.Time, string) { return stamp(m.GetEventTime(), m.GetEventId()) },
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Mentor, id, erased) }}
	return p, nil
}

// stamp is a record's last applied event; none is the zero time.
func stamp(at *timestamppb.Timestamp, id string) (time.Time, string) {
	if at == nil {
		return time.Time{}, id
	}
	return at.AsTime(), id
}

// sealedUnlessGone seals a pool record with its person's key; a tombstone
// (ids and event time only) stays in clear so it can be written after the
// key is shredded.
func sealedUnlessGone(id string, gone bool) string {
	if gone {
		return ""
	}
	return id
}

// SetLeaver sets who is told about people leaving; call before consuming.
func (p *Pool) SetLeaver(leave Leaver) { p.leave = leave }

// Close closes both buckets.
func (p *Pool) Close() {
	p.Newcomers.Close()
	p.Mentors.Close()
}

// Newcomer returns the newcomer with id if in the pool.
func (p *Pool) Newcomer(id string) (*mentoringv1.PoolNewcomer, bool) {
	n, ok := p.Newcomers.Lookup(id)
	if !ok || n.GetGone() {
		return nil, false
	}
	return n, true
}

// Gone reads from the bucket (not the index, which may lag behind
// another replica's write) whether the person with id has left the pool,
// and whether they were erased. A person never seen is not gone: the
// caller only asks about people it found in the pool.
func (p *Pool) Gone(ctx context.Context, kind Kind, id string) (gone, erased bool, err error) {
	if kind == Mentor {
		m, _, err := p.Mentors.Get(ctx, id)
		if apperr.ErrorCode(err) == apperr.NotFound {
			return false, false, nil
		}
		return m.GetGone(), m.GetErased(), err
	}
	n, _, err := p.Newcomers.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return false, false, nil
	}
	return n.GetGone(), n.GetErased(), err
}

// Mentor returns the mentor with id if in the pool.
func (p *Pool) Mentor(id string) (*mentoringv1.PoolMentor, bool) {
	m, ok := p.Mentors.Lookup(id)
	if !ok || m.GetGone() {
		return nil, false
	}
	return m, true
}

// InScope returns the newcomers and mentors of org in munis, sorted by id.
// The slices share records with the index: do not modify them.
func (p *Pool) InScope(org string, munis []string) ([]*mentoringv1.PoolNewcomer, []*mentoringv1.PoolMentor, error) {
	keys := make([]string, len(munis))
	for k, m := range munis {
		keys[k] = ScopeKey(org, m)
	}
	np, err := p.Newcomers.Find(store.Query[*mentoringv1.PoolNewcomer]{Index: "scope", Values: keys})
	if err != nil {
		return nil, nil, err
	}
	mp, err := p.Mentors.Find(store.Query[*mentoringv1.PoolMentor]{Index: "scope", Values: keys})
	if err != nil {
		return nil, nil, err
	}
	return np.Items, mp.Items, nil
}

// HandleParticipant applies one participants event. Unknown types are
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
		facts = m.GetFacts()
		id = m.GetParticipantId()
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
	var next *mentoringv1.PoolNewcomer
	if facts != nil && slices.Contains(facts.GetConsentedPurposes(), eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING) {
		next = newcomerFrom(facts)
	} else {
		next = &mentoringv1.PoolNewcomer{ParticipantId: id, Gone: true, Erased: erased}
	}
	next.EventTime, next.EventId = env.GetOccurredAt(), env.GetId()
	return p.newcomers.Apply(ctx, env, events.Change[*mentoringv1.PoolNewcomer]{ID: id, Next: next, Gone: next.GetGone(), Erased: erased})
}

// HandleVolunteer applies one volunteers event. Unknown types (such as
// organisation events) are ignored.
func (p *Pool) HandleVolunteer(ctx context.Context, env *eventsv1.Envelope) error {
	msg, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return events.Permanent(fmt.Errorf("pool: payload of %s: %w", env.GetType(), err))
	}
	var facts *eventsv1.VolunteerFacts
	var id string
	erased := false
	switch m := msg.(type) {
	case *eventsv1.VolunteerRegistered:
		facts = m.GetFacts()
	case *eventsv1.VolunteerUpdated:
		facts = m.GetFacts()
	case *eventsv1.VolunteerDeleted:
		id = m.GetVolunteerId()
	case *eventsv1.VolunteerErased:
		id, erased = m.GetVolunteerId(), true
	default:
		return nil
	}
	if facts != nil {
		id = facts.GetVolunteerId()
	}
	if !ids.Valid(id) {
		return events.Permanent(fmt.Errorf("pool: %s without a valid volunteer id", env.GetType()))
	}
	var next *mentoringv1.PoolMentor
	if capacity := mentorCapacity(facts); capacity > 0 && facts.GetBackgroundCheckValid() {
		next = mentorFrom(facts, capacity)
	} else {
		next = &mentoringv1.PoolMentor{VolunteerId: id, Gone: true, Erased: erased}
	}
	next.EventTime, next.EventId = env.GetOccurredAt(), env.GetId()
	return p.mentors.Apply(ctx, env, events.Change[*mentoringv1.PoolMentor]{ID: id, Next: next, Gone: next.GetGone(), Erased: erased})
}

func mentorCapacity(f *eventsv1.VolunteerFacts) int32 {
	for _, rc := range f.GetRoles() {
		if rc.GetRole() == eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR {
			return rc.GetCapacity()
		}
	}
	return 0
}

func newcomerFrom(f *eventsv1.ParticipantFacts) *mentoringv1.PoolNewcomer {
	n := &mentoringv1.PoolNewcomer{
		ParticipantId:         f.GetParticipantId(),
		OrganisationId:        f.GetOrganisationId(),
		MunicipalityCode:      f.GetMunicipalityCode(),
		Languages:             f.GetLanguages(),
		SwedishLevel:          f.GetSwedishLevel(),
		Gender:                f.GetGender(),
		WantsSameGenderMentor: f.GetWantsSameGenderMentor(),
		HouseholdSize:         max(f.GetHouseholdSize(), 1),
		Interests:             f.GetInterests(),
		AgeBand:               f.GetAgeBand(),
	}
	if t, err := time.Parse(time.RFC3339, f.GetRegisteredAt()); err == nil {
		n.RegisterTime = timestamppb.New(t)
	}
	return proto.Clone(n).(*mentoringv1.PoolNewcomer)
}

func mentorFrom(f *eventsv1.VolunteerFacts, capacity int32) *mentoringv1.PoolMentor {
	return proto.Clone(&mentoringv1.PoolMentor{
		VolunteerId:      f.GetVolunteerId(),
		OrganisationId:   f.GetOrganisationId(),
		MunicipalityCode: f.GetMunicipalityCode(),
		Languages:        f.GetLanguages(),
		Gender:           f.GetGender(),
		AgeBand:          f.GetAgeBand(),
		HouseholdSize:    max(f.GetHouseholdSize(), 1),
		Interests:        f.GetInterests(),
		Capacity:         capacity,
	}).(*mentoringv1.PoolMentor)
}
