// Package pool is the mentoring candidate pool: the newcomers who consent
// to the mentoring purpose and the volunteers who are mentors with a valid
// background check, holding only what matching and reports need. Every
// replica keeps it in memory, fed straight from the participants' and
// volunteers' streams (replayed at start; ADR 0088).
//
// Handling an event is idempotent and order-safe, by the kit's pkg/pool
// over events.Pool: each record remembers the time and id of the newest event
// applied, and an older or repeated event changes nothing. A person who
// leaves (consent withdrawn, no longer a mentor, deleted, erased) becomes a
// tombstone holding only the id and that event time, so a replayed older
// event cannot bring them back; the caller is told (Leaver) through the
// durable consumers (HandleParticipantLeave, HandleVolunteerLeave) so open
// proposals are withdrawn. This package keeps only mentoring's filter (who
// enters the pool) and its record shapes.
package pool

import (
	"context"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	kitpool "github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Names of the pool's sides: the KV buckets they were kept in before ADR
// 0088, deleted at start.
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

	newcomers *kitpool.Side[*mentoringv1.PoolNewcomer]
	mentors   *kitpool.Side[*mentoringv1.PoolMentor]
}

// ScopeKey is the value of the "scope" index: organisation and
// municipality.
func ScopeKey(org, muni string) string { return org + "/" + muni }

// Open opens both sides and feeds them: it returns once they hold every
// event the streams held. leave may be nil. kr, if not nil, opens the
// events' sealed payloads.
func Open(ctx context.Context, js jetstream.JetStream, leave Leaver, kr *seal.Keyring) (*Pool, error) {
	if leave == nil {
		leave = func(context.Context, Kind, string, bool) error { return nil }
	}
	p := &Pool{leave: leave}
	var err error
	p.newcomers, err = kitpool.Open(ctx, js, kitpool.Spec[*mentoringv1.PoolNewcomer]{
		Bucket: NewcomerBucket, Source: kitpool.Participants, Keyring: kr, IDField: "participant_id",
		New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
		Indexes: map[string]func(*mentoringv1.PoolNewcomer) []string{
			"scope": func(n *mentoringv1.PoolNewcomer) []string {
				return []string{ScopeKey(n.GetOrganisationId(), n.GetMunicipalityCode())}
			},
		},
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Newcomer, id, erased) },
	})
	if err != nil {
		return nil, err
	}
	p.mentors, err = kitpool.Open(ctx, js, kitpool.Spec[*mentoringv1.PoolMentor]{
		Bucket: MentorBucket, Source: kitpool.Volunteers, Keyring: kr, IDField: "volunteer_id",
		New: func() *mentoringv1.PoolMentor { return &mentoringv1.PoolMentor{} },
		Indexes: map[string]func(*mentoringv1.PoolMentor) []string{
			"scope": func(m *mentoringv1.PoolMentor) []string {
				return []string{ScopeKey(m.GetOrganisationId(), m.GetMunicipalityCode())}
			},
		},
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Mentor, id, erased) },
	})
	if err != nil {
		return nil, err
	}
	p.Newcomers, p.Mentors = p.newcomers.Repo, p.mentors.Repo
	if err := p.newcomers.Start(ctx, p.HandleParticipant); err != nil {
		return nil, err
	}
	if err := p.mentors.Start(ctx, p.HandleVolunteer); err != nil {
		p.newcomers.Close()
		return nil, err
	}
	return p, nil
}

// Sides are the pool's sides by name, for tests (service.ProgrammeOptions.Pools).
func (p *Pool) Sides() map[string]kitpool.View {
	return map[string]kitpool.View{NewcomerBucket: p.newcomers, MentorBucket: p.mentors}
}

// HandleParticipantLeave is the participants durable consumer's handler:
// it tells the Leaver about a newcomer who left (kitpool.Side.HandleLeave).
func (p *Pool) HandleParticipantLeave(ctx context.Context, env *eventsv1.Envelope) error {
	return p.newcomers.HandleLeave(ctx, env)
}

// HandleVolunteerLeave is HandleParticipantLeave for mentors.
func (p *Pool) HandleVolunteerLeave(ctx context.Context, env *eventsv1.Envelope) error {
	return p.mentors.HandleLeave(ctx, env)
}

// SetLeaver sets who is told about people leaving; call before consuming.
func (p *Pool) SetLeaver(leave Leaver) { p.leave = leave }

// Close stops feeding both sides.
func (p *Pool) Close() {
	p.newcomers.Close()
	p.mentors.Close()
}

// Newcomer returns the newcomer with id if in the pool.
func (p *Pool) Newcomer(id string) (*mentoringv1.PoolNewcomer, bool) { return p.newcomers.Live(id) }

// Mentor returns the mentor with id if in the pool.
func (p *Pool) Mentor(id string) (*mentoringv1.PoolMentor, bool) { return p.mentors.Live(id) }

// Gone reports whether the person with id has left the pool, and whether
// they were erased, once the side has applied every event published
// before the call. A person never seen is not gone.
func (p *Pool) Gone(ctx context.Context, kind Kind, id string) (gone, erased bool, err error) {
	if kind == Mentor {
		return p.mentors.Gone(ctx, id)
	}
	return p.newcomers.Gone(ctx, id)
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

// HandleParticipant applies one participants event: a newcomer who
// consents to mentoring is in the pool. Unknown types are ignored.
func (p *Pool) HandleParticipant(ctx context.Context, env *eventsv1.Envelope) error {
	return p.newcomers.ApplyParticipant(ctx, env, func(f *eventsv1.ParticipantFacts) (*mentoringv1.PoolNewcomer, bool) {
		if !slices.Contains(f.GetConsentedPurposes(), eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING) {
			return nil, false
		}
		n := newcomerFrom(f)
		n.ConsentTime = p.consentTime(f, env)
		return n, true
	})
}

// consentTime is when f's mentoring consent in force was given, which
// starts a newcomer's wait for a mentor (ADR 0172). Events published
// before the facts told it carry none: then it is when the newcomer
// entered the pool (the event that brought them in), kept while they stay.
func (p *Pool) consentTime(f *eventsv1.ParticipantFacts, env *eventsv1.Envelope) *timestamppb.Timestamp {
	for _, c := range f.GetConsentsGiven() {
		if c.GetPurpose() != eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, c.GetGivenAt()); err == nil {
			return timestamppb.New(t)
		}
	}
	if prev, ok := p.newcomers.Live(f.GetParticipantId()); ok && prev.GetConsentTime() != nil {
		return prev.GetConsentTime()
	}
	if at := env.GetOccurredAt(); at != nil {
		return &timestamppb.Timestamp{Seconds: at.GetSeconds(), Nanos: at.GetNanos()}
	}
	return nil
}

// HandleVolunteer applies one volunteers event: a mentor with capacity and
// a valid background check is in the pool. Unknown types (such as
// organisation events) are ignored.
func (p *Pool) HandleVolunteer(ctx context.Context, env *eventsv1.Envelope) error {
	return p.mentors.ApplyVolunteer(ctx, env, func(f *eventsv1.VolunteerFacts) (*mentoringv1.PoolMentor, bool) {
		capacity := mentorCapacity(f)
		if capacity <= 0 || !f.GetBackgroundCheckValid() {
			return nil, false
		}
		return mentorFrom(f, capacity), true
	})
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
	// n keeps f's lists: pkg/pool decodes the facts for this event alone
	// (ApplyParticipant), so a copy of them per event bought nothing.
	return n
}

func mentorFrom(f *eventsv1.VolunteerFacts, capacity int32) *mentoringv1.PoolMentor {
	return &mentoringv1.PoolMentor{
		VolunteerId:      f.GetVolunteerId(),
		OrganisationId:   f.GetOrganisationId(),
		MunicipalityCode: f.GetMunicipalityCode(),
		Languages:        f.GetLanguages(),
		Gender:           f.GetGender(),
		AgeBand:          f.GetAgeBand(),
		HouseholdSize:    max(f.GetHouseholdSize(), 1),
		Interests:        f.GetInterests(),
		Capacity:         capacity,
	} // keeps f's lists, as newcomerFrom
}
