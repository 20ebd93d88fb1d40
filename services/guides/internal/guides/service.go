// Package guides is the establishment-guide programme: who is entitled to
// a guide and why, assignment jobs on the kit (pkg/jobs with pkg/match),
// the life of an assignment on the programme kit's proposal.Lifecycle
// (capacity held in units of organisation, municipality and language),
// and the equity figures.
// It owns no transport: grpcapi maps it to GuideService.
package guides

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/guides/internal/eligibility"
	"github.com/motesplats/motesplats/services/guides/internal/pool"
)

// Buckets and names the service owns.
const (
	AssignmentBucket = "guides_assignments"
	RulesBucket      = "guides_rules"
	SlotBucket       = "guides_slots"
	DataStore        = "guides_jobdata"
	JobKind          = "guides"
	// GlobalRules is the key of the run-time criteria for everyone.
	GlobalRules = "global"
	// NationalOrg is the job organisation of an administrator's job (an
	// administrator belongs to no organisation).
	NationalOrg = "national"
)

// Deps are what the service is built from.
type Deps struct {
	Pool        *pool.Pool
	Assignments *store.Repo[*guidesv1.Assignment]
	// Rules holds the criteria an administrator set at run time, under
	// GlobalRules; absent, the files' criteria apply.
	Rules *store.Repo[*guidesv1.EligibilityRules]
	Slots *proposal.Slots
	Data  jobs.Data
	// Publisher sends events that belong to no record (a job finished).
	Publisher store.Publisher
	// Purge removes every event about an assignment from the service's
	// stream (erasure: AssignmentChanged names the newcomer). Optional.
	Purge  func(ctx context.Context, assignmentID string) error
	Files  *eligibility.Set
	Now    func() time.Time
	Logger *slog.Logger
	// Grace is how long the kit lets an acceptance's reservation wait for
	// its transition before Recover resolves it (default the kit's 5s;
	// tests use less). Hooks inject faults in tests; nil in production.
	Grace time.Duration
	Hooks *proposal.Hooks
}

// Service is the programme's domain service.
type Service struct {
	Deps
	jobs *jobs.Manager
	life *proposal.Lifecycle[*guidesv1.Assignment]
}

// New returns the service; SetJobs must follow before jobs are started.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Service{Deps: d}
	s.life = proposal.NewLifecycle(s.programme())
	return s
}

// RunSweeps runs the kit's sweeps until ctx ends: a reservation a crash
// left between its two steps is completed or released within seconds
// (Recover, at start and every Grace/2). Run it on every replica.
// Guides' offers never lapse, so the kit's expiry sweep (a scan of every
// assignment: 0.7 s of CPU during a national job at every Grace/2) runs
// hourly, only as a safety net, whatever every the kit asks for.
func (s *Service) RunSweeps(ctx context.Context, _ time.Duration) error {
	s.life.Run(ctx, time.Hour)
	return nil
}

// SetJobs hands the service its job manager (which needs the service's
// hooks first, hence two steps).
func (s *Service) SetJobs(m *jobs.Manager) { s.jobs = m }

// Jobs returns the job manager.
func (s *Service) Jobs() *jobs.Manager { return s.jobs }

// RepoConfig is the assignments bucket with its indexes.
func RepoConfig(pub store.Publisher) store.Config[*guidesv1.Assignment] {
	return store.Config[*guidesv1.Assignment]{
		Bucket: AssignmentBucket, Publisher: pub,
		New: func() *guidesv1.Assignment { return &guidesv1.Assignment{} },
		Indexes: map[string]func(*guidesv1.Assignment) []string{
			"job":          func(a *guidesv1.Assignment) []string { return []string{a.GetJobId()} },
			"participant":  func(a *guidesv1.Assignment) []string { return []string{a.GetParticipantId()} },
			"municipality": func(a *guidesv1.Assignment) []string { return []string{a.GetMunicipalityCode()} },
			"organisation": func(a *guidesv1.Assignment) []string { return []string{a.GetOrganisationId()} },
		},
	}
}

// RulesConfig is the run-time rules bucket.
func RulesConfig(pub store.Publisher) store.Config[*guidesv1.EligibilityRules] {
	return store.Config[*guidesv1.EligibilityRules]{
		Bucket: RulesBucket, Publisher: pub,
		New: func() *guidesv1.EligibilityRules { return &guidesv1.EligibilityRules{} },
	}
}

// rules returns the rules in force: the files' rules with the run-time
// criteria, when an administrator set them, in place of the files'.
func (s *Service) rules(org string) eligibility.Rules {
	r := *s.Files.For(org)
	if o, ok := s.Rules.Lookup(GlobalRules); ok {
		r.Criteria = criteriaFrom(o)
	}
	return r
}

func criteriaFrom(o *guidesv1.EligibilityRules) eligibility.Criteria {
	return eligibility.Criteria{
		RequirePermit: o.GetRequirePermit(), EstablishmentMonths: int(o.GetEstablishmentMonths()),
		RequireEnrolled: o.GetRequireEnrolled(), FullTimeLeaveExcludes: o.GetFullTimeParentalLeaveExcludes(),
		PartTimeLeaveExcludes: o.GetPartTimeParentalLeaveExcludes(),
	}
}

// CriteriaProto is c as the API shows it.
func CriteriaProto(c eligibility.Criteria) *guidesv1.EligibilityRules {
	return &guidesv1.EligibilityRules{
		RequirePermit: c.RequirePermit, EstablishmentMonths: int32(c.EstablishmentMonths),
		RequireEnrolled: c.RequireEnrolled, FullTimeParentalLeaveExcludes: c.FullTimeLeaveExcludes,
		PartTimeParentalLeaveExcludes: c.PartTimeLeaveExcludes,
	}
}

// GetRules returns the criteria in force and their version. Eligibility is
// a national right, so there is one set of criteria (see README).
func (s *Service) GetRules(who auth.Claims) (eligibility.Criteria, string, error) {
	if who.Role == auth.RoleOperator {
		return eligibility.Criteria{}, "", apperr.Errorf(apperr.PermissionDenied, "operators may not read eligibility rules")
	}
	r := s.rules("")
	return r.Criteria, r.Digest(), nil
}

// UpdateRules replaces the criteria (administrators only) if etag is the
// version in force, stores them and publishes EligibilityRulesChanged in
// the same write, so the change is on record however the process ends.
// Returns PermissionDenied, Invalid ("rules.establishment_months"),
// Conflict (etag).
func (s *Service) UpdateRules(ctx context.Context, who auth.Claims, c eligibility.Criteria, etag string) (eligibility.Criteria, string, error) {
	if who.Role != auth.RoleAdmin {
		return eligibility.Criteria{}, "", apperr.Errorf(apperr.PermissionDenied, "only administrators change eligibility rules")
	}
	if f, msg := c.Validate(); f != "" {
		return eligibility.Criteria{}, "", apperr.FieldError("rules."+f, msg)
	}
	prev := s.rules("")
	if etag != prev.Digest() {
		return eligibility.Criteria{}, "", apperr.Errorf(apperr.Conflict, "the rules changed since you read them; read them again")
	}
	next := prev
	next.Criteria = c
	ev, err := events.NewEnvelope(proposal.ID("rules", prev.Digest(), next.Digest(), s.Now().UTC().Format(time.RFC3339Nano)),
		events.EligibilityRulesChanged, GlobalRules, s.Now(), &eventsv1.EligibilityRulesChanged{
			PreviousVersion: prev.Digest(), Version: next.Digest(), ChangedBy: who.Subject, Settings: c.Settings()})
	if err != nil {
		return eligibility.Criteria{}, "", fmt.Errorf("rules event: %w", err)
	}
	rec := CriteriaProto(c)
	_, _, err = s.Rules.Update(ctx, GlobalRules, func(cur *guidesv1.EligibilityRules, rev uint64) (store.Change, error) {
		if s.digestWith(criteriaFrom(cur)) != etag {
			return nil, apperr.Errorf(apperr.Conflict, "the rules changed since you read them; read them again")
		}
		proto.Reset(cur)
		proto.Merge(cur, rec)
		return store.Change{ev}, nil
	})
	if apperr.ErrorCode(err) == apperr.NotFound {
		_, err = s.Rules.Create(ctx, GlobalRules, rec, ev)
	}
	if err != nil {
		return eligibility.Criteria{}, "", err
	}
	s.Logger.InfoContext(ctx, "eligibility rules changed", "version", next.Digest(), "by", who.Subject)
	return c, next.Digest(), nil
}

func (s *Service) digestWith(c eligibility.Criteria) string {
	r := *s.Files.For("")
	r.Criteria = c
	return r.Digest()
}

// Facts turns a pool record into eligibility facts.
func Facts(n *guidesv1.PoolNewcomer) eligibility.Facts {
	f := eligibility.Facts{}
	if t, err := time.Parse(time.DateOnly, n.GetResidencePermitDate()); err == nil {
		f.PermitDate = t
	}
	switch eventsv1.EstablishmentStatus(n.GetEstablishmentStatus()) {
	case eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED:
		f.Status = eligibility.StatusEnrolled
	case eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_NOT_ENROLLED:
		f.Status = eligibility.StatusNotEnrolled
	case eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_COMPLETED:
		f.Status = eligibility.StatusCompleted
	}
	switch eventsv1.ParentalLeave(n.GetParentalLeave()) {
	case eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE:
		f.Leave = eligibility.LeaveNone
	case eventsv1.ParentalLeave_PARENTAL_LEAVE_PART_TIME:
		f.Leave = eligibility.LeavePartTime
	case eventsv1.ParentalLeave_PARENTAL_LEAVE_FULL_TIME:
		f.Leave = eligibility.LeaveFullTime
	}
	return f
}

// Eligibility is one newcomer's computed eligibility.
type Eligibility struct {
	ParticipantID, Municipality string
	eligibility.Result
	Version string
}

func (s *Service) evaluate(n *guidesv1.PoolNewcomer, r eligibility.Rules) Eligibility {
	return s.evaluateAs(n, r, r.Digest())
}

// evaluateAs is evaluate with the rules' digest computed by the caller:
// a list computes it once, not per newcomer (it encodes the rules).
func (s *Service) evaluateAs(n *guidesv1.PoolNewcomer, r eligibility.Rules, version string) Eligibility {
	return Eligibility{ParticipantID: n.GetParticipantId(), Municipality: n.GetMunicipalityCode(),
		Result: eligibility.Evaluate(r.Criteria, Facts(n), s.Now()), Version: version}
}

// visible reports whether who may see people and assignments in muni:
// administrators and services everywhere, coordinators in their
// municipalities (the right to a guide and the assignment to a guide
// organisation are the municipality's concern, whichever organisation
// registered the newcomer), operators nowhere.
func visible(who auth.Claims, muni string) bool {
	switch who.Role {
	case auth.RoleAdmin, auth.RoleService:
		return true
	case auth.RoleCoordinator:
		return slices.Contains(who.Municipalities, muni)
	}
	return false
}

// GetEligibility computes newcomer id's eligibility now. Returns NotFound
// (also when out of the caller's scope, so ids cannot be probed).
func (s *Service) GetEligibility(who auth.Claims, id string) (Eligibility, error) {
	n, ok := s.Pool.Newcomer(id)
	if !ok || !visible(who, n.GetMunicipalityCode()) {
		return Eligibility{}, apperr.Errorf(apperr.NotFound, "no such newcomer in the guides programme")
	}
	return s.evaluate(n, s.rules("")), nil
}

// ListEligibility pages through the eligibility of the newcomers in munis
// (the caller's when empty), in id order, keeping only want when set, with
// the number matching in all pages. Returns PermissionDenied for a
// municipality out of scope.
func (s *Service) ListEligibility(who auth.Claims, munis []string, want *bool, size int, after string) ([]Eligibility, string, int, error) {
	munis, err := scopeMunis(who, munis)
	if err != nil {
		return nil, "", 0, err
	}
	ns, err := s.Pool.InMunicipalities(munis)
	if err != nil {
		return nil, "", 0, err
	}
	r := s.rules("")
	version := r.Digest()
	var out []Eligibility
	next, total := "", 0
	// Every newcomer of the scope is counted, but only a filtered list
	// needs each one's outcome; unfiltered, only the page's rows are
	// evaluated (issue 12: the list evaluated 6,667 newcomers for a page
	// of 50, p50 169 ms).
	for _, n := range ns {
		var e Eligibility
		if want != nil {
			if e = s.evaluateAs(n, r, version); e.Entitled != *want {
				continue
			}
		}
		total++
		if n.GetParticipantId() <= after {
			continue
		}
		if len(out) == size {
			next = out[len(out)-1].ParticipantID
			continue // counted, not returned
		}
		if want == nil {
			e = s.evaluateAs(n, r, version)
		}
		out = append(out, e)
	}
	return out, next, total, nil
}

// scopeMunis is munis checked against who, or who's municipalities when
// empty. Returns PermissionDenied, Invalid ("municipality_codes").
func scopeMunis(who auth.Claims, munis []string) ([]string, error) {
	if who.Role == auth.RoleOperator || who.Role == "" {
		return nil, apperr.Errorf(apperr.PermissionDenied, "your role may not see newcomers")
	}
	if len(munis) == 0 {
		if who.Role != auth.RoleCoordinator {
			return nil, apperr.FieldError("municipality_codes", "name at least one municipality")
		}
		return who.Municipalities, nil
	}
	for _, m := range munis {
		if !visible(who, m) {
			return nil, apperr.Errorf(apperr.PermissionDenied, "a municipality is outside your scope")
		}
	}
	return munis, nil
}
