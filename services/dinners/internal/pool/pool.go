// Package pool is the dinners programme's view of who may take part: the
// newcomers who consent to the dinners purpose (guests) and the volunteers
// with the dinner-host role (hosts), holding only ids, codes and what the
// rules and reports need. It is kept in two KV buckets (shared by every
// replica, surviving restarts) and fed by the participants' and
// volunteers' events through the kit's events.Pool: apply only if newer,
// tombstones for people who left, and the leaver hook, which withdraws
// their offers, sign-ups and seatings. This package keeps only the
// programme's filter and record shapes.
package pool

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Buckets of the pool.
const (
	GuestBucket = "dinners_guests"
	HostBucket  = "dinners_hosts"
)

// Kind says which side of the pool a person is on.
type Kind int

// The kinds.
const (
	Guest Kind = iota
	Host
)

// Leaver is told when a person leaves the pool; erased means every trace
// of them must go. It must be idempotent.
type Leaver func(ctx context.Context, kind Kind, id string, erased bool) error

// Pool is the dinners pool.
type Pool struct {
	Guests *store.Repo[*dinnersv1.PoolGuest]
	Hosts  *store.Repo[*dinnersv1.PoolHost]
	leave  Leaver

	guests events.Pool[*dinnersv1.PoolGuest]
	hosts  events.Pool[*dinnersv1.PoolHost]
}

// Open opens both buckets. leave may be nil (set it with SetLeaver). kr,
// if not nil, seals each person's record with their data key; a tombstone
// stays in clear so it can be written after the key is shredded.
func Open(ctx context.Context, js jetstream.JetStream, replicas int, leave Leaver, kr *seal.Keyring) (*Pool, error) {
	grepo, err := store.Open(ctx, js, store.Config[*dinnersv1.PoolGuest]{
		Bucket: GuestBucket, Replicas: replicas, New: func() *dinnersv1.PoolGuest { return &dinnersv1.PoolGuest{} },
		Keyring: kr, Subject: func(id string, g *dinnersv1.PoolGuest) string { return sealedUnlessGone(id, g.GetGone()) },
	})
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	hrepo, err := store.Open(ctx, js, store.Config[*dinnersv1.PoolHost]{
		Bucket: HostBucket, Replicas: replicas, New: func() *dinnersv1.PoolHost { return &dinnersv1.PoolHost{} },
		Keyring: kr, Subject: func(id string, h *dinnersv1.PoolHost) string { return sealedUnlessGone(id, h.GetGone()) },
	})
	if err != nil {
		grepo.Close()
		return nil, fmt.Errorf("pool: %w", err)
	}
	if leave == nil {
		leave = func(context.Context, Kind, string, bool) error { return nil }
	}
	p := &Pool{Guests: grepo, Hosts: hrepo, leave: leave}
	p.guests = events.Pool[*dinnersv1.PoolGuest]{Records: grepo,
		Stamp: func(g *dinnersv1.PoolGuest) (time.Time, string) { return stamp(g.GetEventTime(), g.GetEventId()) },
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Guest, id, erased) }}
	p.hosts = events.Pool[*dinnersv1.PoolHost]{Records: hrepo,
		Stamp: func(h *dinnersv1.PoolHost) (time.Time, string) { return stamp(h.GetEventTime(), h.GetEventId()) },
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Host, id, erased) }}
	return p, nil
}

func stamp(at *timestamppb.Timestamp, id string) (time.Time, string) {
	if at == nil {
		return time.Time{}, id
	}
	return at.AsTime(), id
}

// SetLeaver sets who is told about people leaving; call before consuming.
func (p *Pool) SetLeaver(leave Leaver) { p.leave = leave }

// Close closes both buckets.
func (p *Pool) Close() {
	p.Guests.Close()
	p.Hosts.Close()
}

// Guest returns the guest with id if in the pool (index read).
func (p *Pool) Guest(id string) (*dinnersv1.PoolGuest, bool) {
	g, ok := p.Guests.Lookup(id)
	if !ok || g.GetGone() {
		return nil, false
	}
	return g, true
}

// Host returns the host with id if in the pool (index read).
func (p *Pool) Host(id string) (*dinnersv1.PoolHost, bool) {
	h, ok := p.Hosts.Lookup(id)
	if !ok || h.GetGone() {
		return nil, false
	}
	return h, true
}

// Gone reads from the bucket whether the person has left the pool, and
// whether they were erased. A person never seen is not gone.
func (p *Pool) Gone(ctx context.Context, kind Kind, id string) (gone, erased bool, err error) {
	if kind == Host {
		h, _, err := p.Hosts.Get(ctx, id)
		if apperr.ErrorCode(err) == apperr.NotFound {
			return false, false, nil
		}
		return h.GetGone(), h.GetErased(), err
	}
	g, _, err := p.Guests.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return false, false, nil
	}
	return g.GetGone(), g.GetErased(), err
}

// CheckValidOn reports whether the host's background check is valid on
// day (YYYY-MM-DD): the event's flag, and its last day not passed (no event
// fires when a check expires).
func CheckValidOn(h *dinnersv1.PoolHost, day string) bool {
	if !h.GetBackgroundCheckValid() {
		return false
	}
	until := h.GetBackgroundCheckValidUntil()
	return until == "" || until >= day
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
	next := &dinnersv1.PoolGuest{ParticipantId: id, Gone: true, Erased: erased}
	if facts != nil && slices.Contains(facts.GetConsentedPurposes(), eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS) {
		next = &dinnersv1.PoolGuest{ParticipantId: id, OrganisationId: facts.GetOrganisationId(),
			MunicipalityCode: facts.GetMunicipalityCode(), Gender: facts.GetGender()}
		if ls := facts.GetLanguages(); len(ls) > 0 {
			next.Language = ls[0].GetCode()
		}
	}
	next.EventTime, next.EventId = env.GetOccurredAt(), env.GetId()
	return p.guests.Apply(ctx, env, events.Change[*dinnersv1.PoolGuest]{ID: id, Next: next, Gone: next.GetGone(), Erased: erased})
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
	next := &dinnersv1.PoolHost{VolunteerId: id, Gone: true, Erased: erased}
	if isHost(facts) {
		next = &dinnersv1.PoolHost{VolunteerId: id, OrganisationId: facts.GetOrganisationId(),
			MunicipalityCode: facts.GetMunicipalityCode(), BackgroundCheckValid: facts.GetBackgroundCheckValid(),
			BackgroundCheckValidUntil: facts.GetBackgroundCheckValidUntil()}
	}
	next.EventTime, next.EventId = env.GetOccurredAt(), env.GetId()
	return p.hosts.Apply(ctx, env, events.Change[*dinnersv1.PoolHost]{ID: id, Next: next, Gone: next.GetGone(), Erased: erased})
}

// isHost: the volunteer has the dinner-host role. Whether the background
// check is needed is the organisation's rule, checked where offers are
// made and matched.
func isHost(f *eventsv1.VolunteerFacts) bool {
	for _, rc := range f.GetRoles() {
		if rc.GetRole() == eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST {
			return true
		}
	}
	return false
}

// sealedUnlessGone names the key that seals a pool record: the person's,
// or none for a tombstone.
func sealedUnlessGone(id string, gone bool) string {
	if gone {
		return ""
	}
	return id
}
