// Package notice is the notify service's domain: it turns the programmes'
// events into messages to the people concerned, keeps one delivery record
// per message (created once, whatever the redeliveries), sends them in
// order per person through the configured channels with retries, and
// applies the answers people give through their links.
//
// Nothing here calls another service to send: the programmes publish
// events, and notify reads what a message needs (first names, contact
// details, language, dates) from the services at send time, with a
// service token. Events carry ids only.
package notice

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/notify/internal/catalog"
	"github.com/motesplats/motesplats/services/notify/internal/links"
)

// Person is what a message needs to know about its recipient or the other
// party. It is personal data: it lives in memory for one render and in
// the sealed message record, never in logs.
type Person struct {
	FirstName      string
	Email, Phone   string
	Language       string // one of catalog.Languages
	Channel        typev1.PreferredChannel
	OptOuts        []typev1.NotificationTopic
	OrganisationID string
}

// Directory reads people from the participants and volunteers services.
// Person returns an error with code NotFound when the person is gone
// (deleted or erased), Unavailable when the service cannot be reached.
type Directory interface {
	Person(ctx context.Context, id string, volunteer bool) (Person, error)
}

// Pair is what notify reads of a mentoring pair.
type Pair struct {
	ParticipantID, VolunteerID    string
	OrganisationID, Municipality  string
	ExpireTime                    time.Time
	Offered, NewcomerAccepted     bool
	MentorAccepted, Active, Ended bool
}

// Seating is what notify reads of a dinner seating, its offer and its
// sign-up.
type Seating struct {
	ParticipantID, VolunteerID   string
	OrganisationID, Municipality string
	Date, StartTime              string
	RsvpDeadline                 time.Time
	PartySize                    int
	Diets                        []int32
	Address                      string // the offer's; empty when none
	Invited, Confirmed           bool
	GuestAccepted, HostAccepted  bool
}

// Assignment is what notify reads of a guide assignment.
type Assignment struct {
	ParticipantID                string
	OrganisationID, Municipality string
	OrganisationName             string
	Approved, NewcomerAccepted   bool
}

// Programmes reads proposals and applies answers through the programme
// services' own RPCs. Reads return NotFound for a proposal that is gone.
// Apply returns FailedPrecondition when the proposal no longer takes the
// answer (expired, withdrawn, already decided), Invalid for a reason the
// programme refuses.
type Programmes interface {
	Pair(ctx context.Context, id string) (Pair, error)
	Seating(ctx context.Context, id string) (Seating, error)
	Assignment(ctx context.Context, id string) (Assignment, error)
	Apply(ctx context.Context, a AnswerCall) error
}

// AnswerCall is one answer to apply, scoped to the proposal's organisation
// and municipality (the token notify signs for the call carries them).
type AnswerCall struct {
	Programme                    pb.Programme
	ProposalID                   string
	Role                         pb.Role
	Action                       pb.AnswerAction
	Reason                       pb.DeclineReason
	OrganisationID, Municipality string
}

// Auditor appends "notify sent template T to person P by channel C" to
// the audit log: ids and names of templates only, never the text.
type Auditor interface {
	Sent(ctx context.Context, m *pb.StoredMessage) error
}

// Metrics counts sends and the retention sweep's progress; nil-safe
// implementations are in the server.
type Metrics interface {
	Sent(channel pb.Channel)
	Failed(channel pb.Channel, permanent bool)
	// Retained reports one retention sweep: how many finished messages
	// and spent links it removed, and the age of the oldest finished
	// message it kept (zero when none).
	Retained(messages, links int, oldest time.Duration)
}

// Limiter counts attempts on a key across every replica. Allow reports
// whether this attempt is within n per period; an error means the shared
// count could not be kept.
type Limiter interface {
	Allow(ctx context.Context, key string, n int, period time.Duration) (bool, error)
}

// Deps are a Service's collaborators.
type Deps struct {
	Messages   *store.Repo[*pb.StoredMessage]
	Links      *store.Repo[*pb.StoredLink]
	Tracked    *store.Repo[*pb.Tracked]
	Directory  Directory
	Programmes Programmes
	Channels   Channels
	Catalog    *catalog.Catalog
	Keys       *links.Keys
	Auditor    Auditor
	Metrics    Metrics
	// Limiter shares the per-link look-up limit between replicas; nil
	// counts on this replica only.
	Limiter Limiter
	// BaseURL starts every answer link: "<BaseURL>/a/<token>".
	BaseURL string
	// LinkTTL bounds a link's life when the proposal has no deadline.
	LinkTTL time.Duration
	// Owner names this replica in the leases it takes.
	Owner string
	// LeaseTTL is how long a send may hold a message before another
	// replica takes it over (default LeaseTTL; tests shorten it).
	LeaseTTL time.Duration
	// Retention is how long a finished message (sent, failed, skipped)
	// and a spent link are kept (default DefaultRetention; ADR 0105).
	Retention time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
	// Retry shapes the backoff of temporary failures.
	Retry Backoff
	// SourceRetry is how soon a message is tried again when a service
	// its text is read from did not answer (default DefaultSourceRetry).
	SourceRetry time.Duration
	// Quiet is the SMS quiet-hours rule.
	Quiet QuietHours
}

// Service is the notify domain.
type Service struct {
	d Deps
	// wake nudges the sender when a message is planned.
	wake chan struct{}
	// limiter bounds link look-ups (see answer.go).
	limiter *limiter
	mu      sync.Mutex
	// sending holds the ids this process is delivering, under sendingMu: a
	// lease of this replica's own name on any other id is a killed
	// predecessor's, and is taken back at once (ADR 0190).
	sendingMu sync.Mutex
	sending   map[string]bool
	// away holds, under awayMu, the sources (directorySource,
	// programmeSource) that did not answer, each with when to ask it
	// again: until then the messages still to be rendered from it are
	// left due and untouched, so an outage costs a failed call and two
	// writes per SourceRetry, not per waiting message (ADR 0194).
	awayMu sync.Mutex
	away   map[string]time.Time
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.LinkTTL == 0 {
		d.LinkTTL = 14 * 24 * time.Hour
	}
	if d.LeaseTTL <= 0 {
		d.LeaseTTL = LeaseTTL
	}
	if d.Retention <= 0 {
		d.Retention = DefaultRetention
	}
	if d.Retry.Base == 0 {
		d.Retry = DefaultBackoff
	}
	if d.SourceRetry <= 0 {
		d.SourceRetry = DefaultSourceRetry
	}
	if d.Quiet.Location == nil {
		d.Quiet = DefaultQuietHours()
	}
	if d.Metrics == nil {
		d.Metrics = noMetrics{}
	}
	return &Service{d: d, wake: make(chan struct{}, 1), limiter: newLimiter(d.Now), sending: map[string]bool{}, away: map[string]time.Time{}}
}

type noMetrics struct{}

func (noMetrics) Sent(pb.Channel)                  {}
func (noMetrics) Failed(pb.Channel, bool)          {}
func (noMetrics) Retained(int, int, time.Duration) {}

// nudge wakes the sender without blocking.
func (s *Service) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// errGone marks a person or proposal that no longer exists.
var errGone = errors.New("gone")
