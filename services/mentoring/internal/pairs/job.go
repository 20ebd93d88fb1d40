package pairs

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
	"github.com/motesplats/motesplats/services/mentoring/internal/rules"
)

// Alternatives is how many other candidates a proposal keeps for
// ReplaceCandidate.
const Alternatives = 5

// StartJob queues a matching job for org in munis (a coordinator's own
// organisation and municipalities when empty). requestID makes it
// idempotent per caller. Returns Invalid, PermissionDenied, NotFound.
func (s *Service) StartJob(ctx context.Context, who auth.Claims, requestID, org string, munis []string) (*pb.Job, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	if who.Role == auth.RoleCoordinator {
		if org == "" {
			org = who.Organisation
		}
		if len(munis) == 0 {
			munis = slices.Clone(who.Municipalities)
		}
	}
	var v apperr.Validator
	if requestID == "" || !ids.Valid(requestID) {
		v.Add("request_id", "is required: 1 to 64 letters, digits, '-' or '_'")
	}
	if !ids.Valid(org) {
		v.Add("organisation_id", "is required")
	}
	if len(munis) == 0 || len(munis) > 64 {
		v.Add("municipality_codes", "must list 1 to 64 municipalities")
	}
	seen := map[string]bool{}
	for k, m := range munis {
		switch {
		case !municipality.Valid(m):
			v.Add(fmt.Sprintf("municipality_codes[%d]", k), "is not an SCB municipality code")
		case seen[m]:
			v.Add(fmt.Sprintf("municipality_codes[%d]", k), "is listed twice")
		}
		seen[m] = true
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !jobVisible(who, org, munis) {
		return nil, apperr.Errorf(apperr.PermissionDenied, "you may only match in your organisation and municipalities")
	}
	munis = slices.Sorted(slices.Values(munis))
	j, err := s.jobs.Submit(ctx, who.Organisation+"/"+who.Subject+"/"+requestID, jobs.Job{
		Organisation: org, Municipalities: munis, Version: s.rules.For(org).Version,
	})
	if err != nil {
		return nil, err
	}
	if !jobVisible(who, j.Organisation, j.Municipalities) {
		return nil, apperr.Errorf(apperr.NotFound, "job not found")
	}
	return jobToProto(j), nil
}

// jobVisible: a coordinator sees jobs of their organisation whose every
// municipality is theirs.
func jobVisible(who auth.Claims, org string, munis []string) bool {
	for _, m := range munis {
		if !who.CanSee(org, m) {
			return false
		}
	}
	return len(munis) > 0 || who.Role == auth.RoleAdmin || who.Role == auth.RoleService
}

// GetJob returns job id if the caller may see it. Returns NotFound.
func (s *Service) GetJob(ctx context.Context, who auth.Claims, id string) (*pb.Job, error) {
	if !ids.Valid(id) {
		return nil, invalid("id", "is not an id")
	}
	j, err := s.jobs.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !jobVisible(who, j.Organisation, j.Municipalities) {
		return nil, apperr.Errorf(apperr.NotFound, "job not found")
	}
	return jobToProto(j), nil
}

// ListJobs returns the jobs the caller may see, newest first.
func (s *Service) ListJobs(_ context.Context, who auth.Claims, size int32, token string) ([]*pb.Job, string, error) {
	size, after, err := pageArgs(size, token)
	if err != nil {
		return nil, "", err
	}
	all := s.jobs.List(func(j jobs.Job) bool { return jobVisible(who, j.Organisation, j.Municipalities) })
	start := 0
	if after != "" {
		start = slices.IndexFunc(all, func(j jobs.Job) bool { return j.ID == after }) + 1
		if start == 0 {
			// The job the token names is gone: continue with the next
			// older id (ids are time-ordered) rather than from the top.
			if start = slices.IndexFunc(all, func(j jobs.Job) bool { return j.ID < after }); start < 0 {
				start = len(all)
			}
		}
	}
	var out []*pb.Job
	next := ""
	for k := start; k < len(all); k++ {
		if len(out) == int(size) {
			next = page.Encode(out[len(out)-1].GetId())
			break
		}
		out = append(out, jobToProto(all[k]))
	}
	return out, next, nil
}

// WatchJob sends the job after every change until it finishes. Returns
// NotFound.
func (s *Service) WatchJob(ctx context.Context, who auth.Claims, id string, send func(*pb.Job) error) error {
	if _, err := s.GetJob(ctx, who, id); err != nil {
		return err
	}
	ch, err := s.jobs.Watch(ctx, id)
	if err != nil {
		return err
	}
	for j := range ch {
		if err := send(jobToProto(j)); err != nil {
			return err
		}
	}
	return nil
}

func jobToProto(j jobs.Job) *pb.Job {
	out := &pb.Job{
		Id: j.ID, OrganisationId: j.Organisation, MunicipalityCodes: j.Municipalities,
		ProgressPercent: int32(j.Progress), Phase: j.Phase, RulesVersion: j.Version,
		InputSnapshot: j.Snapshot, Attempts: int32(j.Attempts), ErrorMessage: j.Error,
		CreateTime: timestamppb.New(j.Created),
		Counts: &pb.JobCounts{
			Newcomers: int32(j.Counts["newcomers"]), Mentors: int32(j.Counts["mentors"]),
			FreeSlots: int32(j.Counts["free_slots"]), EligiblePairs: int32(j.Counts["eligible_pairs"]),
			ExcludedPairs: int32(j.Counts["excluded_pairs"]), Proposals: int32(j.Counts["proposals"]),
			Unmatched: int32(j.Counts["unmatched"]),
		},
		Objective: j.Counts["objective"], Bound: j.Counts["bound"],
	}
	switch j.State {
	case jobs.Queued:
		out.State = pb.JobState_JOB_STATE_QUEUED
	case jobs.Running:
		out.State = pb.JobState_JOB_STATE_RUNNING
	case jobs.Succeeded:
		out.State = pb.JobState_JOB_STATE_SUCCEEDED
	case jobs.Failed:
		out.State = pb.JobState_JOB_STATE_FAILED
	}
	if !j.Started.IsZero() {
		out.StartTime = timestamppb.New(j.Started)
	}
	if !j.Finished.IsZero() {
		out.FinishTime = timestamppb.New(j.Finished)
	}
	return out
}

func snapshotName(jobID string) string { return jobID + ".snapshot" }
func resultName(jobID string) string   { return jobID + ".result" }

// RunJob is the matching job (a jobs.Func). It is restartable: the input is
// frozen in a snapshot before the first proposal is written, proposals have
// ids derived from the two people (PairID) and are created once, so a run
// after a crash at any point ends with the proposals a crash-free run makes.
func (s *Service) RunJob(ctx context.Context, r *jobs.Run) error {
	j := r.Job()
	if err := r.Report(ctx, jobs.Progress{Phase: "snapshot", Percent: 2}); err != nil {
		return err
	}
	snap, err := s.snapshot(ctx, r)
	if err != nil {
		return err
	}
	rs, err := rules.FromJSON(snap.GetRulesJson())
	if err != nil {
		return jobs.Permanent(err)
	}
	excluded := make(map[string]bool, len(snap.GetExcludedPairs()))
	for _, k := range snap.GetExcludedPairs() {
		excluded[k] = true
	}
	if err := r.Report(ctx, jobs.Progress{Phase: "build", Percent: 20}); err != nil {
		return err
	}
	built, err := rs.Build(rules.Input{Newcomers: snap.GetNewcomers(), Mentors: snap.GetMentors(), Excluded: excluded})
	if err != nil {
		return jobs.Permanent(fmt.Errorf("build instance: %w", err))
	}
	in := built.Instance
	if err := r.Report(ctx, jobs.Progress{Phase: "solve", Percent: 35,
		Counts: map[string]int64{"eligible_pairs": int64(len(in.Edges))}}); err != nil {
		return err
	}
	sol, err := match.Solve(in)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("solve: %w", err))
	}
	cert, err := match.Verify(in, sol)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("verify: %w", err))
	}
	expl := match.Explain(in, sol)
	cands := candidates(built)

	newcomers := map[string]*pb.PoolNewcomer{}
	for _, n := range snap.GetNewcomers() {
		newcomers[n.GetParticipantId()] = n
	}
	matched := 0
	for _, x := range expl {
		if x.Reason == match.Matched {
			matched++
		}
	}
	counts := map[string]int64{"objective": cert.Objective, "bound": cert.Bound}
	if err := r.Report(ctx, jobs.Progress{Phase: "propose", Percent: 50, Counts: counts, Force: true}); err != nil {
		return err
	}
	done := 0
	var result pb.JobResult
	for i, x := range expl {
		nid := built.NewcomerIDs[i]
		n := newcomers[nid]
		if x.Reason != match.Matched {
			u := &pb.UnmatchedNewcomer{ParticipantId: nid, MunicipalityCode: n.GetMunicipalityCode(),
				Reason: pb.UnmatchedReason_UNMATCHED_REASON_NO_ELIGIBLE_MENTOR}
			if x.Reason == match.HostsFull {
				u.Reason = pb.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL
				u.Eligible = topN(cands[i], "", Alternatives)
			}
			result.Unmatched = append(result.Unmatched, u)
			continue
		}
		mid := built.HostIDs[x.Host]
		ok, err := s.propose(ctx, j, rs.Version, n, mid, x, cands[i])
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		done++
		if done%25 == 0 || done == matched {
			if err := r.Report(ctx, jobs.Progress{Phase: "propose", Percent: 50 + 45*done/max(matched, 1), Done: done,
				Counts: map[string]int64{"proposals": int64(done)}}); err != nil {
				return err
			}
		}
	}
	if err := r.Report(ctx, jobs.Progress{Phase: "result", Percent: 97, Force: true, Counts: map[string]int64{
		"proposals": int64(done), "unmatched": int64(len(result.Unmatched))}}); err != nil {
		return err
	}
	raw, err := proto.Marshal(&result)
	if err != nil {
		return err
	}
	if _, err := s.data.PutBytes(ctx, resultName(j.ID), raw); err != nil {
		return fmt.Errorf("store job result: %w", err)
	}
	return nil
}

// snapshot returns the job's frozen input, taking it from the pool and the
// pairs on the first run.
func (s *Service) snapshot(ctx context.Context, r *jobs.Run) (*pb.JobSnapshot, error) {
	j := r.Job()
	if j.Snapshot != "" {
		raw, err := s.data.GetBytes(ctx, snapshotName(j.ID))
		if err != nil {
			return nil, fmt.Errorf("read snapshot: %w", err)
		}
		snap := &pb.JobSnapshot{}
		if err := proto.Unmarshal(raw, snap); err != nil {
			return nil, jobs.Permanent(fmt.Errorf("decode snapshot: %w", err))
		}
		return snap, nil
	}
	rs := s.rules.For(j.Organisation)
	// The previous job may have run on another replica a moment ago: read
	// the pool and the pairs only once this replica's indexes have every
	// write made before, so no pair is proposed twice.
	for _, sync := range []func(context.Context) error{s.pool.Newcomers.Sync, s.pool.Mentors.Sync, s.repo.Sync} {
		if err := sync(ctx); err != nil {
			return nil, err
		}
	}
	ns, ms, err := s.pool.InScope(j.Organisation, j.Municipalities)
	if err != nil {
		return nil, err
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
	slots := 0
	for _, m := range ms {
		free := min(int(m.GetCapacity()), rs.MenteeSlots) - len(s.livePairs("volunteer", m.GetVolunteerId()))
		if free <= 0 {
			continue
		}
		c := proto.Clone(m).(*pb.PoolMentor)
		c.Capacity = int32(free)
		snap.Mentors = append(snap.Mentors, c)
		slots += free
	}
	for k := range excluded {
		snap.ExcludedPairs = append(snap.ExcludedPairs, k)
	}
	slices.Sort(snap.ExcludedPairs)
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(snap)
	if err != nil {
		return nil, err
	}
	if _, err := s.data.PutBytes(ctx, snapshotName(j.ID), raw); err != nil {
		return nil, fmt.Errorf("store snapshot: %w", err)
	}
	sum := sha256.Sum256(raw)
	ref := fmt.Sprintf("%s/%s sha256:%s", DataStore, snapshotName(j.ID), hex.EncodeToString(sum[:8]))
	if err := r.Report(ctx, jobs.Progress{Phase: "snapshot", Percent: 15, Counts: map[string]int64{
		"newcomers": int64(len(snap.Newcomers)), "busy_newcomers": int64(busy), "mentors": int64(len(snap.Mentors)),
		"free_slots": int64(slots), "excluded_pairs": int64(len(snap.ExcludedPairs)),
	}}); err != nil {
		return nil, err
	}
	if err := r.SetSnapshot(ctx, ref, rs.Version); err != nil {
		return nil, err
	}
	return snap, nil
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
		slices.SortFunc(cs, func(a, b candidate) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return strings.Compare(a.mentor, b.mentor)
		})
	}
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

// propose creates the proposal for one matched newcomer, once, and reports
// whether the job has it. Its id is the pair's (PairID), so the bucket's
// create-once key decides: a restarted job finds its own proposal already
// there, and a pair another job or a coordinator proposed before (even
// one this replica's index has not seen yet) is not proposed again.
func (s *Service) propose(ctx context.Context, j jobs.Job, version string, n *pb.PoolNewcomer, mentor string, x match.Explanation, cs []candidate) (bool, error) {
	p := &pb.Pair{
		Id: PairID(n.GetParticipantId(), mentor), JobId: j.ID,
		OrganisationId: j.Organisation, MunicipalityCode: n.GetMunicipalityCode(),
		ParticipantId: n.GetParticipantId(), VolunteerId: mentor,
		Status: eventsv1.PairStatus_PAIR_STATUS_PROPOSED,
		Score:  x.Score, ScoreParts: toParts(x.Parts), Alternatives: topN(cs, mentor, Alternatives),
		RulesVersion: version, ProposeTime: timestamppb.New(s.now().UTC()), UpdatedBy: "job:" + j.ID,
	}
	fillReportFacts(p, n)
	// The snapshot may be older than the pool: someone who left (or was
	// erased) since must not be proposed.
	if gone, err := s.anyGone(ctx, p); err != nil || gone {
		return false, err
	}
	ev, err := s.changed(events.PairProposed, proposal.ID(p.GetId(), "proposed"), p, 0, nil)
	if err != nil {
		return false, err
	}
	if _, err = s.repo.Create(ctx, p.GetId(), p, ev); apperr.ErrorCode(err) == apperr.AlreadyExists {
		cur, _, gerr := s.repo.Get(ctx, p.GetId())
		switch {
		case apperr.ErrorCode(gerr) == apperr.NotFound:
			return false, nil // erased with one of its people
		case gerr != nil:
			return false, gerr
		case cur.GetJobId() != j.ID || cur.GetReplaces() != "":
			return false, nil // proposed before, by another job or a coordinator
		}
	} else if err != nil {
		return false, err
	}
	// They may have left between the check and the create, and the
	// leaver, reading its own replica's index, may have missed this pair:
	// check again and clean up after them. Leave is idempotent.
	return true, s.leaveIfGone(ctx, p)
}

// anyGone reports whether either person of p has left the pool.
func (s *Service) anyGone(ctx context.Context, p *pb.Pair) (bool, error) {
	for _, who := range []struct {
		kind pool.Kind
		id   string
	}{{pool.Newcomer, p.GetParticipantId()}, {pool.Mentor, p.GetVolunteerId()}} {
		gone, _, err := s.pool.Gone(ctx, who.kind, who.id)
		if err != nil || gone {
			return gone, err
		}
	}
	return false, nil
}

// leaveIfGone runs Leave for each person of p who has left the pool.
func (s *Service) leaveIfGone(ctx context.Context, p *pb.Pair) error {
	for _, who := range []struct {
		kind pool.Kind
		id   string
	}{{pool.Newcomer, p.GetParticipantId()}, {pool.Mentor, p.GetVolunteerId()}} {
		gone, erased, err := s.pool.Gone(ctx, who.kind, who.id)
		if err != nil {
			return err
		}
		if gone {
			if err := s.Leave(ctx, who.kind, who.id, erased); err != nil {
				return err
			}
		}
	}
	return nil
}

func fillReportFacts(p *pb.Pair, n *pb.PoolNewcomer) {
	p.ParticipantGender = n.GetGender()
	if ls := n.GetLanguages(); len(ls) > 0 {
		p.ParticipantLanguage = ls[0].GetCode()
	}
	p.ParticipantRegisterTime = n.GetRegisterTime()
}

// FinishJob runs after a job's final state is stored: it drops the input
// snapshot (it holds facts about people, and a finished job never needs it
// again; the job keeps its digest) and publishes the finished event with a
// deterministic id.
func (s *Service) FinishJob(ctx context.Context, j jobs.Job) error {
	if err := s.data.Delete(ctx, snapshotName(j.ID)); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("drop snapshot: %w", err)
	}
	ev, err := events.NewEnvelope(proposal.ID(j.ID, "finished"), events.MentoringJobFinished, j.ID, s.now(), &eventsv1.MentoringJobFinished{
		JobId: j.ID, OrganisationId: j.Organisation, MunicipalityCodes: j.Municipalities,
		Succeeded: j.State == jobs.Succeeded, Proposals: int32(j.Counts["proposals"]), FinishTime: timestamppb.New(j.Finished),
	})
	if err != nil {
		return err
	}
	return s.pub.Publish(ctx, ev)
}

// ListUnmatched returns a page of the newcomers job id left unmatched, with
// reasons. People who left the pool since are skipped. Returns NotFound,
// FailedPrecondition (job not finished).
func (s *Service) ListUnmatched(ctx context.Context, who auth.Claims, id string, size int32, token string) ([]*pb.UnmatchedNewcomer, string, int, error) {
	size, after, err := pageArgs(size, token)
	if err != nil {
		return nil, "", 0, err
	}
	j, err := s.GetJob(ctx, who, id)
	if err != nil {
		return nil, "", 0, err
	}
	if j.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
		return nil, "", 0, apperr.Errorf(apperr.FailedPrecondition, "the job has not succeeded")
	}
	raw, err := s.data.GetBytes(ctx, resultName(id))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, "", 0, apperr.Errorf(apperr.NotFound, "the job's result has expired")
	}
	if err != nil {
		return nil, "", 0, fmt.Errorf("read result: %w", err)
	}
	var res pb.JobResult
	if err := proto.Unmarshal(raw, &res); err != nil {
		return nil, "", 0, fmt.Errorf("decode result: %w", err)
	}
	var out []*pb.UnmatchedNewcomer
	total, next := 0, ""
	for _, u := range res.GetUnmatched() {
		if _, ok := s.pool.Newcomer(u.GetParticipantId()); !ok {
			continue
		}
		total++
		if u.GetParticipantId() <= after {
			continue
		}
		if len(out) == int(size) {
			next = page.Encode(out[len(out)-1].GetParticipantId())
			continue
		}
		out = append(out, u)
	}
	return out, next, total, nil
}
