// Package pool is the dinners programme's view of who may take part: the
// newcomers who consent to the dinners purpose (guests) and the volunteers
// with the dinner-host role (hosts), holding only ids, codes and what the
// rules and reports need. Every replica keeps it in memory, fed straight
// from the participants' and volunteers' streams (replayed at start; ADR
// 0088) through the kit's pkg/pool over events.Pool: apply only if newer,
// tombstones for people who left, and the leaver hook (through the
// durable consumers, HandleParticipantLeave and HandleVolunteerLeave),
// which withdraws their offers, sign-ups and seatings. This package keeps
// only the programme's filter and record shapes.
package pool

import (
	"context"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	kitpool "github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Names of the pool's sides: the KV buckets they were kept in before ADR
// 0088, deleted at start.
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

	guests *kitpool.Side[*dinnersv1.PoolGuest]
	hosts  *kitpool.Side[*dinnersv1.PoolHost]
}

// Open opens both sides and feeds them: it returns once they hold every
// event the streams held. leave may be nil (set it with SetLeaver). kr, if
// not nil, opens the events' sealed payloads.
func Open(ctx context.Context, js jetstream.JetStream, leave Leaver, kr *seal.Keyring) (*Pool, error) {
	if leave == nil {
		leave = func(context.Context, Kind, string, bool) error { return nil }
	}
	p := &Pool{leave: leave}
	var err error
	p.guests, err = kitpool.Open(ctx, js, kitpool.Spec[*dinnersv1.PoolGuest]{
		Bucket: GuestBucket, Source: kitpool.Participants, Keyring: kr, IDField: "participant_id",
		New:   func() *dinnersv1.PoolGuest { return &dinnersv1.PoolGuest{} },
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Guest, id, erased) },
	})
	if err != nil {
		return nil, err
	}
	p.hosts, err = kitpool.Open(ctx, js, kitpool.Spec[*dinnersv1.PoolHost]{
		Bucket: HostBucket, Source: kitpool.Volunteers, Keyring: kr, IDField: "volunteer_id",
		New:   func() *dinnersv1.PoolHost { return &dinnersv1.PoolHost{} },
		Leave: func(ctx context.Context, id string, erased bool) error { return p.leave(ctx, Host, id, erased) },
	})
	if err != nil {
		return nil, err
	}
	p.Guests, p.Hosts = p.guests.Repo, p.hosts.Repo
	if err := p.guests.Start(ctx, p.HandleParticipant); err != nil {
		return nil, err
	}
	if err := p.hosts.Start(ctx, p.HandleVolunteer); err != nil {
		p.guests.Close()
		return nil, err
	}
	return p, nil
}

// Sides are the pool's sides by name, for tests (service.ProgrammeOptions.Pools).
func (p *Pool) Sides() map[string]kitpool.View {
	return map[string]kitpool.View{GuestBucket: p.guests, HostBucket: p.hosts}
}

// HandleParticipantLeave is the participants durable consumer's handler:
// it tells the Leaver about a guest who left (kitpool.Side.HandleLeave).
func (p *Pool) HandleParticipantLeave(ctx context.Context, env *eventsv1.Envelope) error {
	return p.guests.HandleLeave(ctx, env)
}

// HandleVolunteerLeave is HandleParticipantLeave for hosts.
func (p *Pool) HandleVolunteerLeave(ctx context.Context, env *eventsv1.Envelope) error {
	return p.hosts.HandleLeave(ctx, env)
}

// SetLeaver sets who is told about people leaving; call before consuming.
func (p *Pool) SetLeaver(leave Leaver) { p.leave = leave }

// Close stops feeding both sides.
func (p *Pool) Close() {
	p.guests.Close()
	p.hosts.Close()
}

// Guest returns the guest with id if in the pool (index read).
func (p *Pool) Guest(id string) (*dinnersv1.PoolGuest, bool) { return p.guests.Live(id) }

// Host returns the host with id if in the pool (index read).
func (p *Pool) Host(id string) (*dinnersv1.PoolHost, bool) { return p.hosts.Live(id) }

// Gone reports whether the person has left the pool, and whether they
// were erased, once the side has applied every event published before the
// call. A person never seen is not gone.
func (p *Pool) Gone(ctx context.Context, kind Kind, id string) (gone, erased bool, err error) {
	if kind == Host {
		return p.hosts.Gone(ctx, id)
	}
	return p.guests.Gone(ctx, id)
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

// HandleParticipant applies one participants event: a newcomer who
// consents to dinners is a guest. Unknown types are ignored.
func (p *Pool) HandleParticipant(ctx context.Context, env *eventsv1.Envelope) error {
	return p.guests.ApplyParticipant(ctx, env, func(f *eventsv1.ParticipantFacts) (*dinnersv1.PoolGuest, bool) {
		if !slices.Contains(f.GetConsentedPurposes(), eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS) {
			return nil, false
		}
		g := &dinnersv1.PoolGuest{ParticipantId: f.GetParticipantId(), OrganisationId: f.GetOrganisationId(),
			MunicipalityCode: f.GetMunicipalityCode(), Gender: f.GetGender()}
		if ls := f.GetLanguages(); len(ls) > 0 {
			g.Language = ls[0].GetCode()
		}
		return g, true
	})
}

// HandleVolunteer applies one volunteers event: a volunteer with the
// dinner-host role is a host. Unknown types (such as organisation events)
// are ignored.
func (p *Pool) HandleVolunteer(ctx context.Context, env *eventsv1.Envelope) error {
	return p.hosts.ApplyVolunteer(ctx, env, func(f *eventsv1.VolunteerFacts) (*dinnersv1.PoolHost, bool) {
		if !isHost(f) {
			return nil, false
		}
		return &dinnersv1.PoolHost{VolunteerId: f.GetVolunteerId(), OrganisationId: f.GetOrganisationId(),
			MunicipalityCode: f.GetMunicipalityCode(), BackgroundCheckValid: f.GetBackgroundCheckValid(),
			BackgroundCheckValidUntil: f.GetBackgroundCheckValidUntil()}, true
	})
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
