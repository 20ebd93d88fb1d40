// Package dinners is the dinner-host programme's domain: host households'
// offers, newcomers' sign-ups with their party, matching jobs that seat
// whole parties at dinners with the engine's explanation (on the kit in
// pkg/jobs), and each seating's life from proposal through invitation,
// RSVPs, attendance and feedback (pkg/proposal's lifecycle values and seat
// counters). Records are stored as their API messages; every change is a
// compare-and-set, and a seating's transition carries its event in the
// record's outbox.
package dinners

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/calendar"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/pool"
	"github.com/motesplats/motesplats/services/dinners/internal/rules"
)

// Buckets and stores of the service besides the pool.
const (
	OfferBucket   = "dinners_offers"
	SignUpBucket  = "dinners_signups"
	SeatingBucket = "dinners_seatings"
	SeatBucket    = "dinners_seats"
	DataStore     = "dinners_job_data" // object store: job snapshots and results
	JobKind       = "dinners"
	partyGuest    = "guest"
	partyHost     = "host"
)

// parties of every invitation.
var parties = []string{partyGuest, partyHost}

// OfferConfig is the store configuration of offers.
func OfferConfig() store.Config[*pb.Offer] {
	return store.Config[*pb.Offer]{
		Bucket: OfferBucket, New: func() *pb.Offer { return &pb.Offer{} },
		// Sealed with the host's key: erasing the host shreds it.
		Subject: func(_ string, o *pb.Offer) string { return o.GetVolunteerId() },
		Indexes: map[string]func(*pb.Offer) []string{
			"volunteer": func(o *pb.Offer) []string { return []string{o.GetVolunteerId()} },
			"scope":     func(o *pb.Offer) []string { return []string{scopeKey(o.GetOrganisationId(), o.GetMunicipalityCode())} },
		},
	}
}

// SignUpConfig is the store configuration of sign-ups.
func SignUpConfig() store.Config[*pb.SignUp] {
	return store.Config[*pb.SignUp]{
		Bucket: SignUpBucket, New: func() *pb.SignUp { return &pb.SignUp{} },
		// Sealed with the newcomer's key: erasing them shreds it.
		Subject: func(_ string, su *pb.SignUp) string { return su.GetParticipantId() },
		Indexes: map[string]func(*pb.SignUp) []string{
			"participant": func(s *pb.SignUp) []string { return []string{s.GetParticipantId()} },
			"scope":       func(s *pb.SignUp) []string { return []string{scopeKey(s.GetOrganisationId(), s.GetMunicipalityCode())} },
		},
	}
}

// SeatingConfig is the store configuration of seatings. With js, erasing a
// seating first purges its events from the DINNERS stream; the store runs
// that again from its relay after a crash.
func SeatingConfig(pub store.Publisher, js jetstream.JetStream) store.Config[*pb.Seating] {
	var beforePurge, afterPurge func(context.Context, string) error
	if js != nil {
		beforePurge = func(ctx context.Context, id string) error {
			return events.PurgeSubjectID(ctx, js, events.StreamDinners, "dinners", id)
		}
		afterPurge = func(ctx context.Context, id string) error {
			return events.PurgeSubjectIDExcept(ctx, js, events.StreamDinners, "dinners", id, events.SeatingErased)
		}
	}
	return store.Config[*pb.Seating]{
		Bucket: SeatingBucket, New: func() *pb.Seating { return &pb.Seating{} }, Publisher: pub,
		// Sealed with the guest's key (the record and its events); the
		// host's own answers about the dinner with the host's key too,
		// so the host's erasure makes them unreadable in every revision
		// (docs/adr/0159).
		Subject:        func(_ string, p *pb.Seating) string { return p.GetParticipantId() },
		AlsoSealFor:    func(_ string, p *pb.Seating) string { return p.GetVolunteerId() },
		AlsoSealFields: []string{"host_feedback"},
		BeforePurge:    beforePurge, AfterPurge: afterPurge,
		Indexes: map[string]func(*pb.Seating) []string{
			"signup":      func(p *pb.Seating) []string { return []string{p.GetSignUpId()} },
			"participant": func(p *pb.Seating) []string { return []string{p.GetParticipantId()} },
			"volunteer":   func(p *pb.Seating) []string { return []string{p.GetVolunteerId()} },
			"offer":       func(p *pb.Seating) []string { return []string{p.GetOfferId()} },
			"table":       func(p *pb.Seating) []string { return []string{rules.TableKey(p.GetOfferId(), p.GetDate())} },
			"job":         func(p *pb.Seating) []string { return []string{p.GetJobId()} },
		},
	}
}

// Statuses read often.
const (
	proposed  = eventsv1.SeatingStatus_SEATING_STATUS_PROPOSED
	invited   = eventsv1.SeatingStatus_SEATING_STATUS_INVITED
	confirmed = eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED
	held      = eventsv1.SeatingStatus_SEATING_STATUS_HELD
	cancelled = eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED
)

func tableKey(offerID, date string) string { return rules.TableKey(offerID, date) }

func scopeKey(org, muni string) string { return org + "/" + muni }

// SeatingID is the id of a party's seating at one dinner, whichever job
// proposes it: the bucket creates a key once, so a restarted job writes
// the same records and a party is proposed at a dinner once.
func SeatingID(signUpID, offerID, date string) string {
	return proposal.ID("dinner-seating", signUpID, offerID, date)
}

// Service is the dinners programme.
type Service struct {
	// API serves the job RPCs (StartJob, GetJob, ListJobs, WatchJob).
	jobs.API[*pb.Job]

	offers   *store.Repo[*pb.Offer]
	signups  *store.Repo[*pb.SignUp]
	seatings *store.Repo[*pb.Seating]
	pool     *pool.Pool
	seats    *proposal.Slots
	life     *proposal.Lifecycle[*pb.Seating]
	jobs     *jobs.Manager
	data     jobs.Data
	pub      store.Publisher
	rules    *rules.Set
	now      func() time.Time
	ids      ids.Source
	log      *slog.Logger
}

// Deps are what New needs.
type Deps struct {
	Offers    *store.Repo[*pb.Offer]
	SignUps   *store.Repo[*pb.SignUp]
	Seatings  *store.Repo[*pb.Seating]
	Pool      *pool.Pool
	Seats     *proposal.Slots
	Data      jobs.Data
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
	s := &Service{offers: d.Offers, signups: d.SignUps, seatings: d.Seatings, pool: d.Pool, seats: d.Seats,
		data: d.Data, pub: d.Publisher, rules: d.Rules, now: d.Now, ids: d.IDs, log: d.Logger}
	s.life = proposal.NewLifecycle(proposal.Tune(s.programme(d.Seats), d.Tuning))
	s.API.ToProto, s.API.MayStart = jobToProto, canAct
	return s
}

// SetJobs attaches the job manager (it needs the service's OnFinish, so
// the two are built in turn).
func (s *Service) SetJobs(m *jobs.Manager) { s.jobs, s.API.Manager = m, m }

// today is the service's day in Sweden, the programme's calendar, as
// every service counts it (calendar.Today, ADR 0207).
func (s *Service) today() string { return calendar.Today(s.now()) }

// stockholm is the zone a dinner's date and time are in.
var stockholm = calendar.Zone

// startOf is when the dinner on date at hh:mm starts, Stockholm time.
func startOf(date, hhmm string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly+" 15:04", date+" "+hhmm, stockholm)
	if err != nil {
		t, _ = time.ParseInLocation(time.DateOnly, date, stockholm)
	}
	return t
}

// state converts a seating to the shared lifecycle; eventsv1.SeatingStatus
// numbers its first statuses as proposal.Status does on purpose.
func state(p *pb.Seating) proposal.State {
	st := proposal.StateOf(proposal.Status(p.GetStatus()), parties, stamps(p))
	if p.GetStatus() == eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED {
		st.Status = proposal.Withdrawn // final, holds nothing
	}
	return st
}

// setState writes the lifecycle back into the seating.
func setState(p *pb.Seating, st proposal.State) {
	p.Status = eventsv1.SeatingStatus(st.Status)
	st.Stamp(stamps(p))
}

// stamps are where a seating keeps the lifecycle's times: the RSVPs and
// their deadline.
func stamps(p *pb.Seating) proposal.Stamps {
	return proposal.Stamps{Expires: &p.RsvpDeadline,
		Accepted: map[string]**timestamppb.Timestamp{partyGuest: &p.GuestAcceptTime, partyHost: &p.HostAcceptTime}}
}

// live reports whether a seating is open or confirmed: its party is spoken
// for and its seats count at the table.
func live(p *pb.Seating) bool {
	switch p.GetStatus() {
	case eventsv1.SeatingStatus_SEATING_STATUS_PROPOSED, eventsv1.SeatingStatus_SEATING_STATUS_INVITED,
		eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED:
		return true
	}
	return false
}

// open reports whether a seating is proposed or invited: live, holding no
// seats yet.
func open(p *pb.Seating) bool {
	return p.GetStatus() == proposed || p.GetStatus() == invited
}

// facts is what events say about a seating.
func facts(p *pb.Seating) *eventsv1.SeatingFacts {
	return &eventsv1.SeatingFacts{
		SeatingId: p.GetId(), JobId: p.GetJobId(), OrganisationId: p.GetOrganisationId(),
		MunicipalityCode: p.GetMunicipalityCode(), SignUpId: p.GetSignUpId(), ParticipantId: p.GetParticipantId(),
		OfferId: p.GetOfferId(), VolunteerId: p.GetVolunteerId(), Date: p.GetDate(), PartySize: p.GetPartySize(),
		Status: p.GetStatus(), RulesVersion: p.GetRulesVersion(),
	}
}

// canAct: people's records are changed by admins, coordinators and the
// platform's services; operators see no personal data at all.
func canAct(who auth.Claims) error {
	switch who.Role {
	case auth.RoleAdmin, auth.RoleCoordinator, auth.RoleService:
		return nil
	}
	return apperr.Errorf(apperr.PermissionDenied, "your role may not see or change dinners")
}

// notFound turns a store error into the API's NotFound, keeping others.
func notFound(err error, what string) error {
	if apperr.ErrorCode(err) == apperr.NotFound {
		return apperr.Errorf(apperr.NotFound, "%s not found", what)
	}
	return err
}

func clone[T proto.Message](m T) T { return proto.Clone(m).(T) }

// requestKey scopes a caller's request id to the caller and the kind of
// record, so two callers' ids never collide.
func requestKey(who auth.Claims, kind, requestID string) string {
	return strings.Join([]string{kind, who.Subject, requestID}, "/")
}

// derivedID makes a record's id from the caller's request: a retry gets
// the same id, and the same requests give the same ids on every run, so a
// job's tie-breaks (the engine orders people by id) repeat exactly.
func derivedID(who auth.Claims, kind, requestID string) func() string {
	return func() string { return proposal.ID("dinners", kind, who.Subject, requestID) }
}
