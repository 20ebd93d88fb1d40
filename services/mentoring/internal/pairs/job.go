package pairs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/mentoring/internal/rules"
)

// Alternatives is how many other candidates a proposal keeps for
// ReplaceCandidate.
const Alternatives = 5

// jobToProto is mentoring's job message: the kit's job with its counts.
func jobToProto(j jobs.Job) *pb.Job {
	return &pb.Job{
		Id: j.ID, OrganisationId: j.Organisation, MunicipalityCodes: j.Municipalities,
		State: pb.JobState(j.State.Number()), ProgressPercent: int32(j.Progress), Phase: j.Phase, RulesVersion: j.Version,
		InputSnapshot: j.Snapshot, Attempts: int32(j.Attempts), ErrorMessage: j.Error,
		CreateTime: jobs.Timestamp(j.Created), StartTime: jobs.Timestamp(j.Started), FinishTime: jobs.Timestamp(j.Finished),
		Counts: &pb.JobCounts{
			Newcomers: int32(j.Counts["newcomers"]), Mentors: int32(j.Counts["mentors"]),
			FreeSlots: int32(j.Counts["free_slots"]), EligiblePairs: int32(j.Counts["eligible_pairs"]),
			ExcludedPairs: int32(j.Counts["excluded_pairs"]), Proposals: int32(j.Counts["proposals"]),
			Unmatched: int32(j.Counts["unmatched"]), BusyNewcomers: int32(j.Counts["busy_newcomers"]),
		},
		Objective: j.Counts["objective"], Bound: j.Counts["bound"],
	}
}

// Steps are mentoring's steps of the kit's matching pipeline (pkg/jobs):
// its snapshot of the pool and the pairs, and its rules' instance with the
// proposal and result steps. The pipeline makes the job restartable: the
// input is frozen before the first proposal is written, and proposals
// have ids derived from the two people (PairID) and are created once, so
// a run after a crash at any point ends with the proposals a crash-free
// run makes.
func (s *Service) Steps() jobs.Steps {
	return jobs.Steps{Snapshot: s.snapshot, Build: s.build}
}

// build decodes a snapshot and builds its instance under the snapshot's
// rules, with the steps that propose and record the outcome.
func (s *Service) build(_ context.Context, j jobs.Job, raw []byte) (jobs.Plan, error) {
	snap := &pb.JobSnapshot{}
	if err := proto.Unmarshal(raw, snap); err != nil {
		return jobs.Plan{}, fmt.Errorf("decode snapshot: %w", err)
	}
	rs, err := rules.FromJSON(snap.GetRulesJson())
	if err != nil {
		return jobs.Plan{}, err
	}
	excluded := make(map[string]bool, len(snap.GetExcludedPairs()))
	for _, k := range snap.GetExcludedPairs() {
		excluded[k] = true
	}
	built, full, err := rs.BuildFull(rules.Input{Newcomers: snap.GetNewcomers(), Mentors: snap.GetMentors(), Excluded: excluded})
	if err != nil {
		return jobs.Plan{}, err
	}
	cands := candidates(built)
	newcomers := make(map[string]*pb.PoolNewcomer, len(snap.GetNewcomers()))
	for _, n := range snap.GetNewcomers() {
		newcomers[n.GetParticipantId()] = n
	}
	held := make(map[string]*pb.HeldSlots, len(snap.GetHeldSlots()))
	for _, h := range snap.GetHeldSlots() {
		held[h.GetVolunteerId()] = h
	}
	var result pb.JobResult
	return jobs.Plan{
		Built: built,
		Propose: func(ctx context.Context, x match.Explanation) (bool, error) {
			n := newcomers[built.NewcomerIDs[x.Newcomer]]
			p := s.newPair(j, rs.Version, n, built.HostIDs[x.Host], x, cands[x.Newcomer])
			held, err := s.withoutErasedAlternatives(ctx, []*pb.Pair{p}, func() ([]bool, error) {
				ok, err := s.propose(ctx, j, p)
				return []bool{ok}, err
			})
			return err == nil && held[0], err
		},
		ProposeBatch: func(ctx context.Context, xs []match.Explanation) ([]bool, error) {
			ps := make([]*pb.Pair, len(xs))
			for k, x := range xs {
				n := newcomers[built.NewcomerIDs[x.Newcomer]]
				ps[k] = s.newPair(j, rs.Version, n, built.HostIDs[x.Host], x, cands[x.Newcomer])
			}
			return s.proposeBatch(ctx, j, ps)
		},
		BatchSize:       proposeBatchSize,
		BatchesInFlight: 1,
		Unmatched: func(x match.Explanation) {
			nid := built.NewcomerIDs[x.Newcomer]
			u := &pb.UnmatchedNewcomer{ParticipantId: nid, MunicipalityCode: newcomers[nid].GetMunicipalityCode(),
				Reason: pb.UnmatchedReason_UNMATCHED_REASON_NO_ELIGIBLE_MENTOR}
			// The mentors who fit but had no free slot when the job
			// started (open proposals or pairs held them) are full as
			// much as those whose slots this job gave to better pairs:
			// a second job names them as the first did (ADR 0169).
			fits := withFull(cands[x.Newcomer], full.Fits(nid))
			if x.Reason == match.HostsFull || len(fits) > 0 {
				u.Reason = pb.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL
				u.Eligible = topN(fits, "", Alternatives)
				// Who held each one's slots: open proposals and pairs
				// when the job started, and this job's proposals (the
				// engine's occupants of a mentor with free slots; a full
				// one is in no pair of the instance). ADR 0171.
				ours := map[string]int32{}
				for _, bl := range x.Blocked {
					ours[built.HostIDs[bl.Host]] = int32(len(bl.Occupants))
				}
				for _, c := range u.Eligible {
					h := held[c.GetVolunteerId()]
					c.HeldByProposals, c.HeldByPairs, c.HeldByThisJob = h.GetProposals(), h.GetPairs(), ours[c.GetVolunteerId()]
				}
			}
			result.Unmatched = append(result.Unmatched, u)
		},
		Result: func() ([]byte, map[string]int64, error) {
			raw, err := proto.Marshal(&result)
			return raw, map[string]int64{"unmatched": int64(len(result.GetUnmatched()))}, err
		},
	}, nil
}

// snapshot takes the job's input from the pool and the pairs.
func (s *Service) snapshot(ctx context.Context, j jobs.Job) (jobs.Snapshot, error) {
	rs := s.rules.For(j.Organisation)
	// The previous job may have run on another replica a moment ago: read
	// the pool and the pairs only once this replica's indexes have every
	// write made before, so no pair is proposed twice.
	for _, sync := range []func(context.Context) error{s.pool.Newcomers.Sync, s.pool.Mentors.Sync, s.repo.Sync} {
		if err := sync(ctx); err != nil {
			return jobs.Snapshot{}, err
		}
	}
	ns, ms, err := s.pool.InScope(j.Organisation, j.Municipalities)
	if err != nil {
		return jobs.Snapshot{}, err
	}
	snap := &pb.JobSnapshot{RulesJson: rs.JSON(), RulesVersion: rs.Version}
	busy := 0
	excluded := map[string]bool{}
	for _, n := range ns {
		// Every pair ever made for the newcomer excludes that mentor again.
		prior, _ := s.repo.Find(store.Query[*pb.Pair]{Index: "participant", Values: []string{n.GetParticipantId()}})
		live := false
		for _, p := range prior.Items {
			excluded[rules.PairKey(p.GetParticipantId(), p.GetVolunteerId())] = true
			live = live || proposal.Status(p.GetStatus()).Live()
		}
		if live {
			busy++
			continue
		}
		snap.Newcomers = append(snap.Newcomers, n)
	}
	slots, mentors := 0, 0
	for _, m := range ms {
		// A mentor with no free slot stays in with capacity 0: a newcomer
		// they fit is then left out because the mentors who fit are full,
		// naming them, not as if no mentor fitted (ADR 0169). They are in
		// no pair of the instance, and not counted among the job's
		// mentors, which say what the job could fill.
		live := s.livePairs("volunteer", m.GetVolunteerId())
		free := max(min(int(m.GetCapacity()), rs.MenteeSlots)-len(live), 0)
		// Who holds the taken slots, for the reason to say (ADR 0171):
		// counts only.
		if h := heldSlots(m.GetVolunteerId(), live); h != nil {
			snap.HeldSlots = append(snap.HeldSlots, h)
		}
		c := proto.Clone(m).(*pb.PoolMentor)
		c.Capacity = int32(free)
		snap.Mentors = append(snap.Mentors, c)
		if free > 0 {
			slots += free
			mentors++
		}
	}
	for k := range excluded {
		snap.ExcludedPairs = append(snap.ExcludedPairs, k)
	}
	slices.Sort(snap.ExcludedPairs)
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(snap)
	if err != nil {
		return jobs.Snapshot{}, err
	}
	return jobs.Snapshot{Raw: raw, Version: rs.Version, Counts: map[string]int64{
		"newcomers": int64(len(snap.Newcomers)), "busy_newcomers": int64(busy), "mentors": int64(mentors),
		"free_slots": int64(slots), "excluded_pairs": int64(len(snap.ExcludedPairs)),
	}}, nil
}

// heldSlots counts a mentor's live pairs by who can free them: open
// proposals (a coordinator, by rejecting or withdrawing) and pairs
// offered or active (only the two people); nil for none.
func heldSlots(mentor string, live []*pb.Pair) *pb.HeldSlots {
	if len(live) == 0 {
		return nil
	}
	h := &pb.HeldSlots{VolunteerId: mentor}
	for _, p := range live {
		if p.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_PROPOSED {
			h.Proposals++
		} else {
			h.Pairs++
		}
	}
	return h
}

// candidate is an eligible mentor for a newcomer with its score parts.
type candidate struct {
	mentor string
	score  int32
	parts  []match.Part
}

// candidates lists every newcomer's eligible mentors, best first (ties by
// mentor id, so the order is deterministic).
func candidates(b *match.Built) [][]candidate {
	out := make([][]candidate, b.Instance.Newcomers)
	for k, e := range b.Instance.Edges {
		c := candidate{mentor: b.HostIDs[e.Host], score: e.Score}
		if b.Instance.Parts != nil {
			c.parts = b.Instance.Parts[k]
		}
		out[e.Newcomer] = append(out[e.Newcomer], c)
	}
	for _, cs := range out {
		slices.SortFunc(cs, byScore)
	}
	return out
}

// byScore orders candidates best first, ties by mentor id.
func byScore(a, b candidate) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return strings.Compare(a.mentor, b.mentor)
}

// withFull is a newcomer's candidates with the full mentors who fit them,
// best first; cs itself is left as it is (the proposals' alternatives
// read it, and a full mentor is no alternative to propose).
func withFull(cs []candidate, fits []rules.Fit) []candidate {
	if len(fits) == 0 {
		return cs
	}
	out := slices.Clip(cs)
	for _, f := range fits {
		out = append(out, candidate{mentor: f.Mentor, score: f.Score, parts: f.Parts})
	}
	slices.SortFunc(out, byScore)
	return out
}

func topN(cs []candidate, skip string, n int) []*pb.Candidate {
	var out []*pb.Candidate
	for _, c := range cs {
		if c.mentor == skip {
			continue
		}
		if len(out) == n {
			break
		}
		out = append(out, &pb.Candidate{VolunteerId: c.mentor, Score: c.score, Parts: toParts(c.parts)})
	}
	return out
}

func toParts(ps []match.Part) []*pb.ScorePart {
	out := make([]*pb.ScorePart, len(ps))
	for k, p := range ps {
		out[k] = &pb.ScorePart{Rule: p.Name, Points: p.Points}
	}
	return out
}

// newPair is the proposal of mentor for newcomer n as the job found it.
func (s *Service) newPair(j jobs.Job, version string, n *pb.PoolNewcomer, mentor string, x match.Explanation, cs []candidate) *pb.Pair {
	p := &pb.Pair{
		Id: PairID(n.GetParticipantId(), mentor), JobId: j.ID,
		OrganisationId: j.Organisation, MunicipalityCode: n.GetMunicipalityCode(),
		ParticipantId: n.GetParticipantId(), VolunteerId: mentor,
		Status: eventsv1.PairStatus_PAIR_STATUS_PROPOSED,
		Score:  x.Score, ScoreParts: toParts(x.Parts), Alternatives: topN(cs, mentor, Alternatives),
		RulesVersion: version, ProposeTime: timestamppb.New(s.now().UTC()), UpdatedBy: "job:" + j.ID,
	}
	fillReportFacts(p, n)
	return p
}

// propose creates the proposal for one matched newcomer, once (the
// proposal kit's create-once Propose), and reports whether the job has it.
// Its id is the pair's (PairID), so the bucket's create-once key decides: a restarted job finds its own proposal already
// there, and a pair another job or a coordinator proposed before (even
// one this replica's index has not seen yet) is not proposed again.
func (s *Service) propose(ctx context.Context, j jobs.Job, p *pb.Pair) (bool, error) {
	// The snapshot may be older than the pool: someone who left (or was
	// erased) since must not be proposed.
	if gone, err := s.checked().AnyGone(ctx, p); err != nil || gone {
		return false, err
	}
	// The proposal kit creates it once, with its event.
	cur, _, err := s.life.Propose(ctx, p.GetId(), p, "")
	switch {
	case apperr.ErrorCode(err) == apperr.NotFound:
		return false, nil // erased with one of its people
	case err != nil:
		return false, err
	case cur.GetJobId() != j.ID || cur.GetReplaces() != "":
		return false, nil // proposed before, by another job or a coordinator
	}
	// They may have left between the check and the create, and the
	// leaver, reading its own replica's index, may have missed this pair:
	// check again and clean up after them. Leave is idempotent.
	return true, s.checked().LeaveGone(ctx, p)
}

func fillReportFacts(p *pb.Pair, n *pb.PoolNewcomer) {
	p.ParticipantGender = n.GetGender()
	if ls := n.GetLanguages(); len(ls) > 0 {
		p.ParticipantLanguage = ls[0].GetCode()
	}
	p.ParticipantRegisterTime = n.GetRegisterTime()
}

// FinishJob runs after a job's final state is stored (the kit has
// dropped a succeeded job's snapshot by then): it publishes the finished
// event with a deterministic id.
func (s *Service) FinishJob(ctx context.Context, j jobs.Job) error {
	// A resumed job finishes again, with an event of its own.
	evID := proposal.ID(j.FinishedKey()...)
	ev, err := events.NewEnvelope(evID, events.MentoringJobFinished, j.ID, s.now(), &eventsv1.MentoringJobFinished{
		JobId: j.ID, OrganisationId: j.Organisation, MunicipalityCodes: j.Municipalities,
		Succeeded: j.State == jobs.Succeeded, Proposals: int32(j.Counts["proposals"]), FinishTime: timestamppb.New(j.Finished),
	})
	if err != nil {
		return err
	}
	return s.pub.Publish(ctx, ev)
}

// ListUnmatched returns a page of the newcomers job id left unmatched, with
// reasons. People who left the pool since, or whom who no longer sees
// (moved to another organisation or municipality), are skipped. Returns
// NotFound, FailedPrecondition (job not finished).
func (s *Service) ListUnmatched(ctx context.Context, who auth.Claims, id string, size int32, token string) ([]*pb.UnmatchedNewcomer, string, int, error) {
	var v apperr.Validator
	// The job's id is named as the request names it (the job manager
	// would call it "id"), in the words of every programme (ADR 0180).
	jobs.CheckID(&v, "job_id", id)
	n, after := page.Check(&v, size, token)
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	var res pb.JobResult
	if err := s.jobs.ResultAs(ctx, who, id, &res); err != nil {
		return nil, "", 0, err
	}
	// Whom the caller sees now, not whom the job found: a newcomer or a
	// mentor who moved to another organisation or out of the caller's
	// municipalities since is no longer theirs to see (GetPair and the
	// lists read them as NotFound), and the gateway would name them.
	out, next, total := page.Items(res.GetUnmatched(), (*pb.UnmatchedNewcomer).GetParticipantId,
		func(u *pb.UnmatchedNewcomer) bool {
			n, ok := s.pool.Newcomer(u.GetParticipantId())
			return ok && who.CanSee(n.GetOrganisationId(), n.GetMunicipalityCode())
		}, after, n)
	for _, u := range out {
		// A mentor who left since is no longer an option (an erased one
		// is also removed from the stored result).
		u.Eligible = slices.DeleteFunc(u.Eligible, func(c *pb.Candidate) bool {
			m, ok := s.pool.Mentor(c.GetVolunteerId())
			return !ok || !who.CanSee(m.GetOrganisationId(), m.GetMunicipalityCode())
		})
	}
	return out, next, total, nil
}
