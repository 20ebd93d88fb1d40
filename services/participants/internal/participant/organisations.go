package participant

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	kitpool "github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/seal"
)

// The volunteers service owns organisations; this service learns which
// exist from the VOLUNTEERS stream's organisation events, as the guides
// pool does, and keeps them in memory (docs/adr/0202). A newcomer is
// registered in, or moved to, only an organisation that stands: one that
// does not exist or has closed would put them in no coordinator's scope
// and in no programme's pool.

// OrganisationsBucket names the organisations pool (logs, the lag gauge).
// No bucket by that name is kept: the pool lives in memory.
const OrganisationsBucket = "participants_organisations"

// Field violations of an organisation that does not stand. The first is
// the volunteers service's own, so both registers say it alike.
const (
	orgUnknown = "names no organisation; register the organisation first"
	orgRemoved = "names an organisation that was removed; choose another"
)

// errOrgUnchecked is the answer when the pool cannot tell (NATS away, the
// feed far behind): the caller tries again rather than the service guess.
var errOrgUnchecked = apperr.Errorf(apperr.Unavailable, "the organisation could not be checked; try again")

// orgCheckLimit bounds the wait for the pool to catch up with the
// stream: NATS that does not answer within it is an Unavailable, not a
// create that hangs for as long as the caller waits.
const orgCheckLimit = 3 * time.Second

// Organisations is the pool of organisations the volunteers service has
// published: which exist, and which were removed.
type Organisations struct {
	side *kitpool.Side[*pb.KnownOrganisation]
}

// OpenOrganisations starts the pool, fed from the VOLUNTEERS stream, and
// returns once it holds every organisation event published before the
// call (none when the stream does not exist yet). Close stops it.
func OpenOrganisations(ctx context.Context, js jetstream.JetStream, kr *seal.Keyring, log *slog.Logger) (*Organisations, error) {
	side, err := kitpool.Open(ctx, js, kitpool.Spec[*pb.KnownOrganisation]{
		Bucket: OrganisationsBucket, Source: kitpool.Organisations, Keyring: kr, Logger: log,
		IDField: "organisation_id",
		New:     func() *pb.KnownOrganisation { return &pb.KnownOrganisation{} },
	})
	if err != nil {
		return nil, err
	}
	apply := func(ctx context.Context, env *eventsv1.Envelope) error {
		return side.ApplyOrganisation(ctx, env, func(f *eventsv1.OrganisationFacts) (*pb.KnownOrganisation, bool) {
			return &pb.KnownOrganisation{OrganisationId: f.GetOrganisationId()}, true
		})
	}
	if err := side.Start(ctx, apply); err != nil {
		return nil, err
	}
	return &Organisations{side: side}, nil
}

// Close stops the pool's feed.
func (o *Organisations) Close() { o.side.Close() }

// standing is nil while organisation id stands; a field violation of
// field when it never existed or was removed; Unavailable when the pool
// cannot tell. An organisation the pool holds live is answered from
// memory; any other waits for the pool to reach the stream's newest event
// first, so one created a moment ago is found.
func (o *Organisations) standing(ctx context.Context, v *apperr.Validator, field, id string) error {
	if _, ok := o.side.Live(id); ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, orgCheckLimit)
	defer cancel()
	if err := o.side.Sync(ctx); err != nil {
		return errOrgUnchecked
	}
	rec, ok := o.side.Repo.Lookup(id)
	switch {
	case !ok:
		v.Add(field, orgUnknown)
	case rec.GetGone():
		v.Add(field, orgRemoved)
	}
	return nil
}

// CheckOrganisations makes Create, Update and their validate-only forms
// refuse an organisation that does not stand in orgs. Call it before
// serving; without it any organisation id is taken (the unit tests).
func (s *Service) CheckOrganisations(orgs *Organisations) { s.orgs = orgs }

// checkOrganisation adds a violation of field when id, a well-formed id
// already in the caller's scope, names no standing organisation (a
// malformed one is reported by validate). Scope comes first, so a
// coordinator cannot learn which organisation ids exist.
func (s *Service) checkOrganisation(ctx context.Context, v *apperr.Validator, field, id string) error {
	if s.orgs == nil || !ids.Valid(id) {
		return nil
	}
	return s.orgs.standing(ctx, v, field, id)
}
