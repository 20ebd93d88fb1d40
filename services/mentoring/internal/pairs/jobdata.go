package pairs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Tally is the kit's Config.Tally (proposal.Tally): the proposals a job
// holds are the pairs stored with its id that no coordinator made as a
// replacement.
func (s *Service) Tally(ctx context.Context, j jobs.Job) (map[string]int64, error) {
	return proposal.Tally(s.repo, (*pb.Pair).GetJobId, func(p *pb.Pair) bool { return p.GetReplaces() == "" })(ctx, j)
}

// Schedules is the kit's Config.Schedules: the scheduled job of each
// organisation whose rules ask for one.
func (s *Service) Schedules() []jobs.Schedule {
	return jobs.SchedulesFrom(s.rules.Orgs(), func(org string) (time.Duration, []string) {
		r := s.rules.For(org)
		return r.ScheduleEvery, r.ScheduleMunicipalities
	})
}

// RulesVersion names the rules a job of org would use now.
func (s *Service) RulesVersion(org string) string { return s.rules.For(org).Version }

// alternativeIDs indexes a pair by the mentors it keeps as alternatives,
// so an erased mentor is found in other people's pairs.
func alternativeIDs(p *pb.Pair) []string {
	out := make([]string, 0, len(p.GetAlternatives()))
	for _, c := range p.GetAlternatives() {
		out = append(out, c.GetVolunteerId())
	}
	return out
}

// forget removes an erased person from what other records keep about
// them: other pairs' alternatives and every job's stored snapshot and
// result (docs/adr/0041). Their own pairs are erased by Leave.
func (s *Service) forget(ctx context.Context, id string) error {
	// Pairs another replica wrote a moment ago too.
	if err := s.repo.Sync(ctx); err != nil {
		return err
	}
	page, err := s.repo.Find(store.Query[*pb.Pair]{Index: "alternative", Values: []string{id}})
	if err != nil {
		return err
	}
	for _, p := range page.Items {
		_, _, err := s.repo.Update(ctx, p.GetId(), func(p *pb.Pair, _ uint64) (store.Change, error) {
			p.Alternatives = dropCandidate(p.GetAlternatives(), id)
			return nil, nil
		})
		if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			return err
		}
	}
	if s.jobs == nil {
		return nil
	}
	return s.jobs.Forget(ctx, id)
}

// dropCandidate returns cs without the mentor id.
func dropCandidate(cs []*pb.Candidate, id string) []*pb.Candidate {
	return slices.DeleteFunc(cs, func(c *pb.Candidate) bool { return c.GetVolunteerId() == id })
}

// Redact is the kit's Config.Redact for mentoring's snapshots (the
// newcomer or mentor, and the pairs naming them) and results (the
// unmatched newcomer, and the mentor among others' eligible ones).
func Redact(kind jobs.Kind, raw []byte, id string) ([]byte, bool, error) {
	switch kind {
	case jobs.SnapshotKind:
		snap := &pb.JobSnapshot{}
		if err := proto.Unmarshal(raw, snap); err != nil {
			return nil, false, fmt.Errorf("decode snapshot: %w", err)
		}
		n, m, x, h := len(snap.Newcomers), len(snap.Mentors), len(snap.ExcludedPairs), len(snap.HeldSlots)
		snap.Newcomers = slices.DeleteFunc(snap.Newcomers, func(p *pb.PoolNewcomer) bool { return p.GetParticipantId() == id })
		snap.Mentors = slices.DeleteFunc(snap.Mentors, func(p *pb.PoolMentor) bool { return p.GetVolunteerId() == id })
		snap.HeldSlots = slices.DeleteFunc(snap.HeldSlots, func(p *pb.HeldSlots) bool { return p.GetVolunteerId() == id })
		snap.ExcludedPairs = slices.DeleteFunc(snap.ExcludedPairs, func(k string) bool {
			a, b, _ := strings.Cut(k, "/")
			return a == id || b == id
		})
		if n == len(snap.Newcomers) && m == len(snap.Mentors) && x == len(snap.ExcludedPairs) && h == len(snap.HeldSlots) {
			return raw, false, nil
		}
		out, err := proto.MarshalOptions{Deterministic: true}.Marshal(snap)
		return out, true, err
	case jobs.ResultKind:
		res := &pb.JobResult{}
		if err := proto.Unmarshal(raw, res); err != nil {
			return nil, false, fmt.Errorf("decode result: %w", err)
		}
		changed := false
		res.Unmatched = slices.DeleteFunc(res.Unmatched, func(u *pb.UnmatchedNewcomer) bool {
			gone := u.GetParticipantId() == id
			changed = changed || gone
			return gone
		})
		for _, u := range res.Unmatched {
			if n := len(u.Eligible); n > 0 {
				u.Eligible = dropCandidate(u.Eligible, id)
				changed = changed || len(u.Eligible) != n
			}
		}
		if !changed {
			return raw, false, nil
		}
		out, err := proto.Marshal(res)
		return out, true, err
	}
	return raw, false, nil
}
