// Package pairs is the mentoring programme's domain: matching jobs that
// propose pairs with the engine's explanation, and each pair's life from
// proposal to its end (pkg/proposal holds the shared lifecycle rules and the
// slot counters). Pairs are stored as their API message (docs/adr/0006);
// every change is a compare-and-set that carries its event in the record's
// outbox, so a transition and its event are durable together.
package pairs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
	"github.com/motesplats/motesplats/services/mentoring/internal/rules"
)

// Buckets and stores of the service besides the pool.
const (
	PairBucket  = "mentoring_pairs"
	SlotBucket  = "mentoring_slots"
	DataStore   = "mentoring_job_data" // object store: job snapshots and results
	JobKind     = "mentoring"
	partyNew    = "newcomer"
	partyMentor = "mentor"
)

// parties of every mentoring offer.
var parties = []string{partyNew, partyMentor}

// RepoConfig returns the store configuration for pairs with the indexes the
// service queries by. With js, erasing a pair first purges its events from
// the MENTORING stream (docs/adr/0020); the store runs that hook again
// from its relay after a crash, so no event naming an erased person stays.
// With a Keyring (the wiring sets it), a pair is sealed with its
// newcomer's key, and the facts it holds of both people, the check-ins and
// the score's parts, with the mentor's key too (PairSealFields), so erasing
// either makes them unreadable in every stored revision (docs/adr/0162).
func RepoConfig(pub store.Publisher, js jetstream.JetStream) store.Config[*pb.Pair] {
	var beforePurge, afterPurge func(context.Context, string) error
	if js != nil {
		beforePurge = func(ctx context.Context, id string) error {
			return events.PurgeSubjectID(ctx, js, events.StreamMentoring, "mentoring", id)
		}
		afterPurge = func(ctx context.Context, id string) error {
			return events.PurgeSubjectIDExcept(ctx, js, events.StreamMentoring, "mentoring", id, events.PairErased)
		}
	}
	return store.Config[*pb.Pair]{
		Bucket:      PairBucket,
		New:         func() *pb.Pair { return &pb.Pair{} },
		Publisher:   pub,
		BeforePurge: beforePurge,
		AfterPurge:  afterPurge,
		// The newcomer's key: their erasure shreds it (in the participants
		// service; a pair is keyed by its own id, so its purge does not).
		// The indexed fields (ids, status, score) stay in that part, so a
		// pair is still found, ended and purged after the mentor's erasure.
		Subject:        func(_ string, p *pb.Pair) string { return p.GetParticipantId() },
		AlsoSealFor:    func(_ string, p *pb.Pair) string { return p.GetVolunteerId() },
		AlsoSealFields: PairSealFields,
		Indexes: map[string]func(*pb.Pair) []string{
			"participant": func(p *pb.Pair) []string { return []string{p.GetParticipantId()} },
			"volunteer":   func(p *pb.Pair) []string { return []string{p.GetVolunteerId()} },
			"job":         func(p *pb.Pair) []string { return []string{p.GetJobId()} },
			"pairkey":     func(p *pb.Pair) []string { return []string{rules.PairKey(p.GetParticipantId(), p.GetVolunteerId())} },
			"alternative": alternativeIDs,
		},
		Orders: map[string]func(*pb.Pair) string{orderScore: scoreKey},
	}
}

// PairSealFields are the fields of a pair that hold the mentor's facts as
// much as the newcomer's, sealed under both people's keys: the check-ins
// (whether the two met, how it goes, what they did) and the score's parts
// (that the two share a language, an area, interests, a family situation,
// an age band). Alternatives name other mentors, one key each, and stay
// under the newcomer's key (docs/adr/0162).
var PairSealFields = []string{"check_ins", "score_parts"}

// PairID is the id of the pair of a newcomer and a mentor, whichever job or
// coordinator proposes it. The pairs bucket creates a key once, so the same
// two people can be proposed to each other once, from any replica, even
// while an index lags behind the bucket. (Pairs made before this scheme
// have ids from their job; the snapshot's exclusions cover those.)
func PairID(participantID, volunteerID string) string {
	return proposal.ID("mentoring-pair", participantID, volunteerID)
}

// Service is the mentoring programme.
type Service struct {
	// API serves the job RPCs (StartJob, GetJob, ListJobs, WatchJob).
	jobs.API[*pb.Job]

	repo  *store.Repo[*pb.Pair]
	pool  *pool.Pool
	slots *proposal.Slots
	jobs  *jobs.Manager
	life  *proposal.Lifecycle[*pb.Pair]
	data  jobs.Data
	js    jetstream.JetStream
	pub   store.Publisher
	rules *rules.Set
	now   func() time.Time
	ids   ids.Source
	log   *slog.Logger
	// waitCache keeps the waiting lists of the last scopes that paged
	// (waiting.go).
	waitCache waitingCache
}

// Deps are what New needs.
type Deps struct {
	Repo      *store.Repo[*pb.Pair]
	Pool      *pool.Pool
	Slots     *proposal.Slots
	Data      jobs.Data
	JS        jetstream.JetStream
	Publisher store.Publisher
	Rules     *rules.Set
	Now       func() time.Time
	IDs       ids.Source
	Logger    *slog.Logger
	// Tuning is the lifecycle's grace and test hooks (the wiring's).
	Tuning proposal.Tuning
}

// New returns the Service. Attach the job manager with SetJobs before
// serving.
func New(d Deps) *Service {
	s := &Service{repo: d.Repo, pool: d.Pool, slots: d.Slots, data: d.Data, js: d.JS, pub: d.Publisher,
		rules: d.Rules, now: d.Now, ids: d.IDs, log: d.Logger}
	s.API.ToProto = jobToProto
	s.life = proposal.NewLifecycle(proposal.Tune(s.programme(d.Slots), d.Tuning))
	if d.Pool != nil && d.Pool.Newcomers != nil {
		// A newcomer who leaves the pool leaves every kept waiting list at
		// once, on every replica (waiting.go).
		d.Pool.Newcomers.OnChange(s.waitCache.onNewcomer)
	}
	return s
}

// SetJobs attaches the job manager (it needs the service's OnFinish, so the
// two are built in turn).
func (s *Service) SetJobs(m *jobs.Manager) { s.jobs, s.API.Manager = m, m }

// state converts a pair to the shared lifecycle. eventsv1.PairStatus and
// proposal.Status number their statuses alike on purpose.
func state(p *pb.Pair) proposal.State {
	return proposal.StateOf(proposal.Status(p.GetStatus()), parties, stamps(p))
}

// setState writes the lifecycle back into the pair.
func setState(p *pb.Pair, st proposal.State) {
	p.Status = eventsv1.PairStatus(st.Status)
	st.Stamp(stamps(p))
}

// stamps are where a pair keeps the lifecycle's times.
func stamps(p *pb.Pair) proposal.Stamps {
	return proposal.Stamps{Expires: &p.OfferExpireTime,
		Accepted: map[string]**timestamppb.Timestamp{partyNew: &p.NewcomerAcceptTime, partyMentor: &p.MentorAcceptTime}}
}

func partyName(p eventsv1.Party) string {
	if p == eventsv1.Party_PARTY_MENTOR {
		return partyMentor
	}
	return partyNew
}

// facts is what events say about a pair.
func facts(p *pb.Pair) *eventsv1.PairFacts {
	return &eventsv1.PairFacts{
		PairId: p.GetId(), JobId: p.GetJobId(), OrganisationId: p.GetOrganisationId(),
		MunicipalityCode: p.GetMunicipalityCode(), ParticipantId: p.GetParticipantId(),
		VolunteerId: p.GetVolunteerId(), Status: p.GetStatus(), RulesVersion: p.GetRulesVersion(),
	}
}

// changed builds a pair-changed event; id empty means a fresh id.
func (s *Service) changed(subject, id string, p *pb.Pair, prev eventsv1.PairStatus, fill func(*eventsv1.MentoringPairChanged)) (*eventsv1.Envelope, error) {
	msg := &eventsv1.MentoringPairChanged{Facts: facts(p), PreviousStatus: prev}
	if fill != nil {
		fill(msg)
	}
	if id == "" {
		id = s.ids.New()
	}
	return events.NewEnvelope(id, subject, p.GetId(), s.now(), msg)
}

// canSee reports whether the caller may see the pair.
func canSee(who auth.Claims, p *pb.Pair) bool {
	return who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode())
}

func canAct(who auth.Claims) error {
	switch who.Role {
	case auth.RoleAdmin, auth.RoleCoordinator, auth.RoleService:
		return nil
	}
	return apperr.Errorf(apperr.PermissionDenied, "your role may not change mentoring pairs")
}

var errPairNotFound = apperr.Errorf(apperr.NotFound, "pair not found")

func notFound(err error) error {
	if apperr.ErrorCode(err) == apperr.NotFound {
		return errPairNotFound
	}
	return err
}

// clone returns a copy the caller may change.
func clone(p *pb.Pair) *pb.Pair { return proto.Clone(p).(*pb.Pair) }

// livePairs returns the pairs of a person (by index "participant" or
// "volunteer") that are open or active.
func (s *Service) livePairs(index, id string) []*pb.Pair {
	party := partyNew
	if index == "volunteer" {
		party = partyMentor
	}
	ps, err := s.life.Live(party, id)
	if err != nil {
		return nil
	}
	return ps
}

// mentorCapacity is how many newcomers a mentor may have at a time: what
// the volunteer offers, capped by the organisation's rules. ok is false
// when the mentor left the pool.
func (s *Service) mentorCapacity(volunteerID, org string) (int, bool) {
	m, ok := s.pool.Mentor(volunteerID)
	if !ok {
		return 0, false
	}
	return min(int(m.GetCapacity()), s.rules.For(org).MenteeSlots), true
}

// Leave acts on a person leaving the pool (the pool's leaver hook): the kit
// withdraws their open proposals, ends their active pairs early and frees
// the other person's slot; for an erased person it erases every pair
// record (its events purged first, by the repository's BeforePurge) and
// forgets their slot counter, and the stored job data forgets them too.
// Safe to call again.
func (s *Service) Leave(ctx context.Context, kind pool.Kind, id string, erased bool) error {
	party := partyNew
	if kind == pool.Mentor {
		party = partyMentor
	}
	err := s.life.Leave(ctx, party, id, erased)
	if erased {
		err = errors.Join(err, s.forget(ctx, id))
	}
	return err
}

// Run runs the service's background work until ctx ends: the kit's
// sweeps (offer expiry every every; reservations a crash left at once and
// every few seconds). Scheduled jobs are submitted by the job manager:
// see Schedules.
func (s *Service) Run(ctx context.Context, every time.Duration) error {
	s.life.Run(ctx, every)
	return nil
}
