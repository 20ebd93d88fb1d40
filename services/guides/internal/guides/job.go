package guides

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/jsbatch"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/guides/internal/assign"
)

// Params is a job's own input: the quota families to enforce.
type Params struct {
	Quotas []assign.Family `json:"quotas,omitempty"`
}

// MaxMunicipalities is the most municipalities one guides job may cover:
// all of them. The instance splits into one component per municipality
// and the national solve with its certificate is measured inside its
// limit (docs/adr/0077), so the nation is one job.
var MaxMunicipalities = len(municipality.All())

// NationalScope is every municipality: the scope of an administrator's
// job that names none.
func NationalScope() []string {
	var out []string
	for _, m := range municipality.All() {
		out = append(out, m.Code)
	}
	return out
}

// StartJob checks the quota families (a combination the engine does not
// solve exactly is refused here, before anything runs) and starts a job
// in munis. An administrator (or a service) naming no municipality starts
// the national job: every municipality in one job. Returns Invalid
// ("quotas", and the kit's fields), PermissionDenied.
func (s *Service) StartJob(ctx context.Context, who auth.Claims, requestID string, munis []string, p Params) (jobs.Job, error) {
	if err := assign.CheckFamilies(p.Quotas); err != nil {
		return jobs.Job{}, apperr.FieldError("quotas", err.Error())
	}
	if len(munis) == 0 && (who.Role == auth.RoleAdmin || who.Role == auth.RoleService) {
		munis = NationalScope()
	}
	raw, _ := json.Marshal(p) // plain values only: cannot fail
	org := who.Organisation
	if org == "" {
		org = NationalOrg
	}
	return s.jobs.Start(ctx, who, jobs.Request{RequestID: requestID, Organisation: org, Municipalities: munis, Params: raw})
}

// live reports whether an assignment holds its newcomer and its unit.
func live(st eventsv1.AssignmentStatus) bool {
	switch st {
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED,
		eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE:
		return true
	}
	return false
}

// Steps are the job's snapshot and build steps for the kit's pipeline.
func (s *Service) Steps() jobs.Steps {
	return jobs.Steps{Snapshot: s.snapshot, Build: s.build}
}

// snapshot freezes the entitled newcomers of the job's municipalities who
// have no live assignment, and every unit's free capacity there (capacity
// minus live assignments, so proposals never exceed capacity).
func (s *Service) snapshot(ctx context.Context, j jobs.Job) (jobs.Snapshot, error) {
	// This replica's pool may be behind another's: a newcomer whose
	// erasure was handled there before the job began must not be read
	// here (the job's writes leave out only later ones; ADR 0130).
	if err := s.Pool.Sync(ctx); err != nil {
		return jobs.Snapshot{}, err
	}
	var p Params
	if len(j.Params) > 0 {
		if err := json.Unmarshal(j.Params, &p); err != nil {
			return jobs.Snapshot{}, jobs.Permanent(fmt.Errorf("job params: %w", err))
		}
	}
	r := s.rules(j.Organisation)
	in := assign.Input{Weights: r.Assignment, Families: p.Quotas}
	held := map[string]int{}
	proposed := map[string]int{} // of held, the open proposals
	busy := map[string]bool{}
	reproposed := map[string]bool{}
	// Every assignment that is over (declined, rejected, ended,
	// withdrawn) excludes its newcomer and organisation's office (the
	// organisation in the municipality, in any language: ADR 0257) from
	// the instance: they are never proposed again (ADR 0076), and an
	// engine that chose them anyway left their places empty, their ids
	// refused (ADR 0248).
	before := map[assign.Pair]bool{}
	all, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: "municipality", Values: j.Municipalities})
	if err != nil {
		return jobs.Snapshot{}, err
	}
	for _, a := range all.Items {
		switch {
		case live(a.GetStatus()):
			held[unitOf(a).ID()]++
			if a.GetStatus() == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED {
				proposed[unitOf(a).ID()]++
			}
			busy[a.GetParticipantId()] = true
		case a.GetEndReason() == eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_ORGANISATION_LEFT:
			reproposed[a.GetParticipantId()] = true
		}
		if !live(a.GetStatus()) {
			before[assign.Pair{Newcomer: a.GetParticipantId(), Organisation: a.GetOrganisationId(), Municipality: a.GetMunicipalityCode()}] = true
		}
	}
	ns, err := s.Pool.InMunicipalities(j.Municipalities)
	if err != nil {
		return jobs.Snapshot{}, err
	}
	now := s.Now()
	// The newcomers left out are counted, so a job that proposes nothing
	// can say why (everyone already has a guide, or nobody is entitled).
	busyN, notEntitled := 0, 0
	for _, n := range ns {
		if busy[n.GetParticipantId()] {
			busyN++
			continue
		}
		if !s.evaluate(n, r).Entitled {
			notEntitled++
			continue
		}
		in.Newcomers = append(in.Newcomers, assign.Newcomer{ID: n.GetParticipantId(), Municipality: n.GetMunicipalityCode(),
			Languages: n.GetLanguages(), Woman: n.GetGender() == 1, WaitMonths: waitMonths(n, now),
			Reproposed: reproposed[n.GetParticipantId()]})
	}
	orgs, err := s.Pool.Guides()
	if err != nil {
		return jobs.Snapshot{}, err
	}
	for _, o := range orgs {
		for _, c := range o.GetCapacities() {
			if !slices.Contains(j.Municipalities, c.GetMunicipalityCode()) {
				continue
			}
			u := assign.Unit{Organisation: o.GetOrganisationId(), Municipality: c.GetMunicipalityCode(), Language: c.GetLanguage()}
			u.Free = max(int(c.GetCapacity())-held[u.ID()], 0)
			u.HeldByProposals, u.HeldByAssignments = proposed[u.ID()], held[u.ID()]-proposed[u.ID()]
			in.Units = append(in.Units, u)
		}
	}
	in.Excluded = excludedPairs(in, before)
	raw, err := json.Marshal(in)
	if err != nil {
		return jobs.Snapshot{}, fmt.Errorf("encode snapshot: %w", err)
	}
	free := 0
	for _, u := range in.Units {
		free += u.Free
	}
	return jobs.Snapshot{Raw: raw, Version: r.Digest(), Counts: map[string]int64{
		"newcomers": int64(len(in.Newcomers)), "units": int64(len(in.Units)), "free_capacity": int64(free),
		"busy_newcomers": int64(busyN), "not_entitled": int64(notEntitled), "excluded_pairs": int64(len(in.Excluded))}}, nil
}

// waitMonths is how long n has waited for a guide: from registration, or
// from the permit when that is later.
func waitMonths(n *guidesv1.PoolNewcomer, now time.Time) int {
	since := n.GetRegisterTime().AsTime()
	if t, err := time.Parse(time.DateOnly, n.GetResidencePermitDate()); err == nil && t.After(since) {
		since = t
	}
	if n.GetRegisterTime() == nil && n.GetResidencePermitDate() == "" {
		return 0
	}
	return max(int(now.Sub(since).Hours()/(24*30)), 0)
}

// unitOf is the unit an assignment is in.
func unitOf(a *guidesv1.Assignment) assign.Unit {
	return assign.Unit{Organisation: a.GetOrganisationId(), Municipality: a.GetMunicipalityCode(), Language: a.GetLanguage()}
}

// Unassigned is one newcomer a job could not assign, and why: Reason is
// the engine's match.Reason in words (stable: the stored results of
// earlier jobs hold the same), Units the units that fitted but were full.
type Unassigned struct {
	ParticipantID string     `json:"id"`
	Municipality  string     `json:"m"`
	Reason        string     `json:"reason"`
	Units         []FullUnit `json:"units,omitempty"`
}

// FullUnit is a unit that fitted an unassigned newcomer, with the points
// the assignment would have scored, and who held its places (ADR 0171):
// open proposals and assignments when the job started, and this job's
// own proposals. Counts only; results stored before have none.
type FullUnit struct {
	Unit              string `json:"u"`
	Score             int32  `json:"s"`
	HeldByProposals   int    `json:"hp,omitempty"`
	HeldByAssignments int    `json:"ha,omitempty"`
	HeldByThisJob     int    `json:"hj,omitempty"`
}

// maxFullUnits is how many full units a result keeps per newcomer: enough
// for a coordinator to see where a place would help, few enough that a
// national job's result stays small.
const maxFullUnits = 3

// result is what a job stores besides its assignments.
type result struct {
	Unassigned []Unassigned `json:"unassigned"`
}

// batchesInFlight is how many ProposeBatch calls a job runs at once:
// measured with BenchmarkNationalJob (docs/adr/0077).
const batchesInFlight = 3

// build turns a snapshot into the instance and the job's writes.
func (s *Service) build(_ context.Context, j jobs.Job, raw []byte) (jobs.Plan, error) {
	var in assign.Input
	if err := json.Unmarshal(raw, &in); err != nil {
		return jobs.Plan{}, fmt.Errorf("decode snapshot: %w", err)
	}
	b, err := assign.Build(in)
	if err != nil {
		return jobs.Plan{}, err
	}
	muni := map[string]string{}
	for _, n := range in.Newcomers {
		muni[n.ID] = n.Municipality
	}
	units := make(map[string]assign.Unit, len(in.Units))
	for _, u := range in.Units {
		units[u.ID()] = u
	}
	there := unitMunicipalities(in)
	before := make(map[string]bool, len(in.Excluded))
	for _, p := range in.Excluded {
		before[p.Newcomer] = true
	}
	var res result
	return jobs.Plan{
		Built: b,
		Propose: func(ctx context.Context, x match.Explanation) (bool, error) {
			return s.propose(ctx, j, b, x)
		},
		ProposeBatch: func(ctx context.Context, xs []match.Explanation) ([]bool, error) {
			return s.proposeBatch(ctx, j, b, xs)
		},
		// Two full atomic batches of the store per call (a third, tiny one
		// would cost as much staging as a full one), and a few calls in
		// flight so one batch's fsync overlaps the next one's staging
		// (docs/adr/0077).
		BatchSize:       2 * (jsbatch.Max - 1),
		BatchesInFlight: batchesInFlight,
		Unmatched: func(x match.Explanation) {
			id := b.NewcomerIDs[x.Newcomer]
			res.Unassigned = append(res.Unassigned, Unassigned{ParticipantID: id, Municipality: muni[id], Reason: unassignedReason(x.Reason, there, muni[id], before[id]),
				Units: fullUnits(b, x, units)})
		},
		Result: func() ([]byte, map[string]int64, error) {
			out, err := json.Marshal(res)
			return out, map[string]int64{"unassigned": int64(len(res.Unassigned))}, err
		},
	}, nil
}

// reasonNoUnitHere is the stored reason of a newcomer no unit could take
// because none works where they live: the engine only knows it found no
// edge, which the API would word as "none in their languages".
const reasonNoUnitHere = "no unit in the municipality"

// unitMunicipalities is where a newcomer has any unit to try: the
// municipalities with a unit (full ones too, as Build keeps them), or,
// when the rules allow another municipality, everywhere once any unit
// exists (the key "" then stands for all).
func unitMunicipalities(in assign.Input) map[string]bool {
	there := map[string]bool{}
	for _, u := range in.Units {
		there[u.Municipality] = true
		if in.Weights.OtherMunicipal {
			there[""] = true
		}
	}
	return there
}

// unassignedReason is the first rule that failed for a newcomer of
// municipality muni, in order (ADR 0184): no unit where they live, then
// units there but none in Swedish or their languages (the engine's "no
// eligible host"), or none but those proposed for them before (excluded,
// when they have pairs left out), then full units or a quota, which the
// engine tells.
func unassignedReason(r match.Reason, there map[string]bool, muni string, excluded bool) string {
	switch {
	case r == match.NoEligibleHost && !there[muni] && !there[""]:
		return reasonNoUnitHere
	case r == match.NoEligibleHost && excluded:
		return reasonProposedBefore
	}
	return r.String()
}

// propose writes one assignment, create-once with an id derived from the
// newcomer and the unit, so a restarted job writes the same records.
// It reports false when the newcomer left meanwhile or an earlier job
// already proposed the same assignment.
func (s *Service) propose(ctx context.Context, j jobs.Job, b *match.Built, x match.Explanation) (bool, error) {
	held, err := s.proposeBatch(ctx, j, b, []match.Explanation{x})
	return err == nil && held[0], err
}

// proposeBatch is propose for many at once: a durable write per batch of
// proposals rather than two per proposal (docs/adr/0033), with the same
// outcome for each. It goes through proposal.ProposeChecked, as the other
// programmes' jobs do: an assignment of a newcomer or an organisation
// that left is not written, and who left while the batch was written
// (their leaver searched before the assignment was there) is cleaned up
// after, where an assignment of a newcomer who left stayed open.
func (s *Service) proposeBatch(ctx context.Context, j jobs.Job, b *match.Built, xs []match.Explanation) ([]bool, error) {
	held := make([]bool, len(xs))
	var as []*guidesv1.Assignment
	var at []int // index in xs of each of as
	for i, x := range xs {
		a, err := s.assignment(j, b, x)
		if err != nil {
			return nil, err
		}
		if a != nil {
			as = append(as, a)
			at = append(at, i)
		}
	}
	got, err := proposal.ProposeChecked(ctx, s.life, proposal.Pool[*guidesv1.Assignment, bool]{People: parties, GoneOf: s.goneOf,
		Leave: func(ctx context.Context, organisation bool, id string, erased bool) error {
			return s.Leave(ctx, id, organisation, erased)
		}},
		as, (*guidesv1.Assignment).GetId, func(o proposal.Outcome[*guidesv1.Assignment]) bool {
			return o.Created || o.R.GetJobId() == j.ID // another job's: not ours
		})
	if err != nil {
		return nil, err
	}
	for k, ok := range got {
		held[at[k]] = ok
	}
	return held, nil
}

// party is one side of an assignment in the pool: its newcomer (Kind
// false) or its organisation (Kind true), as Leave takes them.
type party = proposal.Person[bool]

func parties(a *guidesv1.Assignment) []party {
	return []party{{ID: a.GetParticipantId()}, {Kind: true, ID: a.GetOrganisationId()}}
}

// goneOf reads whether the newcomers and organisations of as left the
// pool, from its two sides once they hold every event published before.
func (s *Service) goneOf(ctx context.Context, as []*guidesv1.Assignment) (map[party]proposal.Left, error) {
	out := map[party]proposal.Left{}
	if len(as) == 0 {
		return out, nil
	}
	if err := s.Pool.Newcomers.Sync(ctx); err != nil {
		return nil, err
	}
	if err := s.Pool.Organisations.Sync(ctx); err != nil {
		return nil, err
	}
	for _, a := range as {
		if n, ok := s.Pool.Newcomers.Lookup(a.GetParticipantId()); ok {
			out[party{ID: a.GetParticipantId()}] = proposal.Left{Gone: n.GetGone(), Erased: n.GetErased()}
		}
		if o, ok := s.Pool.Organisations.Lookup(a.GetOrganisationId()); ok {
			out[party{Kind: true, ID: a.GetOrganisationId()}] = proposal.Left{Gone: o.GetGone()}
		}
	}
	return out, nil
}

// assignment is the proposal for matched newcomer x, or nil when the
// newcomer left the pool meanwhile.
func (s *Service) assignment(j jobs.Job, b *match.Built, x match.Explanation) (*guidesv1.Assignment, error) {
	pid := b.NewcomerIDs[x.Newcomer]
	org, muni, lang, ok := assign.ParseUnitID(b.HostIDs[x.Host])
	if !ok {
		return nil, jobs.Permanent(errors.New("malformed unit id"))
	}
	if _, in := s.Pool.Newcomer(pid); !in {
		return nil, nil
	}
	a := &guidesv1.Assignment{Id: proposal.ID(pid, org, muni, lang), JobId: j.ID, ParticipantId: pid,
		OrganisationId: org, MunicipalityCode: muni, Language: lang,
		Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED, Score: x.Score,
		ProposeTime: timestamppb.New(s.Now())}
	for _, p := range x.Parts {
		a.ScoreParts = append(a.ScoreParts, &guidesv1.ScorePart{Rule: p.Name, Points: p.Points})
	}
	return a, nil
}

// Tally counts the assignments a job wrote (the kit's Config.Tally).
func (s *Service) Tally(_ context.Context, j jobs.Job) (map[string]int64, error) {
	pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: "job", Values: []string{j.ID}})
	if err != nil {
		return nil, err
	}
	return map[string]int64{"proposals": int64(pg.Total)}, nil
}

// FinishJob publishes GuideJobFinished once per job (deterministic id).
func (s *Service) FinishJob(ctx context.Context, j jobs.Job) error {
	ev, err := events.NewEnvelope(proposal.ID(j.ID, "finished"), events.GuideJobFinished, j.ID, s.Now(), &eventsv1.GuideJobFinished{
		JobId: j.ID, OrganisationId: j.Organisation, State: string(j.State),
		Proposals: int32(j.Counts["proposals"]), Unassigned: int32(j.Counts["unassigned"])})
	if err != nil {
		return err
	}
	return s.Publisher.Publish(ctx, ev)
}

// Redact removes person id from a stored snapshot or result (the kit's
// Config.Redact), for erasure.
func Redact(kind jobs.Kind, raw []byte, id string) ([]byte, bool, error) {
	switch kind {
	case jobs.SnapshotKind:
		var in assign.Input
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, false, err
		}
		n, x := len(in.Newcomers), len(in.Excluded)
		in.Newcomers = slices.DeleteFunc(in.Newcomers, func(x assign.Newcomer) bool { return x.ID == id })
		// A pair names its newcomer and its organisation (in its unit, in
		// a snapshot stored before ADR 0257): either one's erasure takes
		// it out.
		in.Excluded = slices.DeleteFunc(in.Excluded, func(p assign.Pair) bool {
			org, _ := p.Office()
			return p.Newcomer == id || org == id
		})
		if len(in.Newcomers) == n && len(in.Excluded) == x {
			return raw, false, nil
		}
		out, err := json.Marshal(in)
		return out, true, err
	default:
		var r result
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, false, err
		}
		n := len(r.Unassigned)
		r.Unassigned = slices.DeleteFunc(r.Unassigned, func(x Unassigned) bool { return x.ParticipantID == id })
		if len(r.Unassigned) == n {
			return raw, false, nil
		}
		out, err := json.Marshal(r)
		return out, true, err
	}
}
