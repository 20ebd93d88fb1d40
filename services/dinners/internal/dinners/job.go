package dinners

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/rules"
)

// jobToProto is dinners' job message: the kit's job with its counts.
func jobToProto(j jobs.Job) *pb.Job {
	c := func(k string) int32 { return int32(j.Counts[k]) }
	out := &pb.Job{
		Id: j.ID, OrganisationId: j.Organisation, MunicipalityCodes: j.Municipalities,
		State: pb.JobState(j.State.Number()), ProgressPercent: int32(j.Progress), Phase: j.Phase, RulesVersion: j.Version,
		Attempts: int32(j.Attempts), ErrorMessage: j.Error,
		CreateTime: jobs.Timestamp(j.Created), StartTime: jobs.Timestamp(j.Started), FinishTime: jobs.Timestamp(j.Finished),
		Counts: &pb.JobCounts{Parties: c("parties"), Guests: c("guests"), Dinners: c("dinners"), FreeSeats: c("free_seats"),
			EligiblePairs: c("eligible_pairs"), Proposals: c("proposals"), Unseated: c("unseated"), ExcludedPairs: c("excluded_pairs")},
		Objective: j.Counts["objective"], Bound: j.Counts["bound"],
	}
	if b := out.Bound; b > 0 && b >= out.Objective {
		out.GapPpm = (b - out.Objective) * 1_000_000 / b
	}
	return out
}

// Steps are the dinners programme's steps of the kit's matching pipeline:
// its snapshot (waiting parties, dinners ahead with their free seats) and its rules'
// household-mode instance with the proposal and result steps. Seatings
// have ids derived from (sign-up, offer, date) and are created once, so a
// run after a crash at any point ends with the seatings a crash-free run
// makes.
func (s *Service) Steps() jobs.Steps {
	return jobs.Steps{Snapshot: s.snapshot, Build: s.build}
}

// snapshot freezes the job's input.
func (s *Service) snapshot(ctx context.Context, j jobs.Job) (jobs.Snapshot, error) {
	rs := s.rules.For(j.Organisation)
	// Another replica may have written a moment ago: read only once this
	// replica's indexes hold every earlier write, so nothing is proposed
	// twice and no seat is counted free that is not.
	for _, sync := range []func(context.Context) error{s.pool.Guests.Sync, s.pool.Hosts.Sync, s.offers.Sync, s.signups.Sync, s.seatings.Sync} {
		if err := sync(ctx); err != nil {
			return jobs.Snapshot{}, err
		}
	}
	today := s.today()
	keys := make([]string, len(j.Municipalities))
	for k, m := range j.Municipalities {
		keys[k] = scopeKey(j.Organisation, m)
	}
	snap := &pb.JobSnapshot{RulesJson: rs.JSON(), RulesVersion: rs.Version, Today: today}
	excluded := map[string]bool{}
	// The waiting parties' seatings proposed before: those whose dinner
	// is among the snapshot's, and for a party turned down (turnedDown)
	// every dinner of that host's offer on one of its dates, are the
	// (party, dinner) pairs this job leaves out, counted for the job's
	// sentence as mentoring and guides count theirs (ADR 0257, 0263).
	var before []priorSeating
	sus, err := s.signups.Find(store.Query[*pb.SignUp]{Index: "scope", Values: keys})
	if err != nil {
		return jobs.Snapshot{}, err
	}
	guests := 0
	for _, su := range sus.Items {
		if _, ok := s.pool.Guest(su.GetParticipantId()); !ok {
			continue
		}
		prior, _ := s.seatings.Find(store.Query[*pb.Seating]{Index: "signup", Values: []string{su.GetId()}})
		waiting := true
		for _, p := range prior.Items {
			if turnedDown(p) {
				excluded[rules.OfferKey(su.GetId(), p.GetOfferId())] = true
			} else {
				excluded[rules.SeatingKey(su.GetId(), p.GetOfferId(), p.GetDate())] = true
			}
			waiting = waiting && !live(p) && p.GetStatus() != held
		}
		c := clone(su)
		c.Dates = slices.DeleteFunc(c.Dates, func(d string) bool { return d < today })
		if !waiting || len(c.Dates) == 0 {
			continue
		}
		snap.SignUps = append(snap.SignUps, c)
		guests += rules.PartySize(c)
		for _, p := range prior.Items {
			before = append(before, priorSeating{party: su.GetId(), offer: p.GetOfferId(), date: p.GetDate(),
				dates: c.GetDates(), offerWide: turnedDown(p)})
		}
	}
	offers, err := s.offers.Find(store.Query[*pb.Offer]{Index: "scope", Values: keys})
	if err != nil {
		return jobs.Snapshot{}, err
	}
	free, dinners := 0, 0
	for _, o := range offers.Items {
		if s.hostStatus(o, today) != pb.HostStatus_HOST_STATUS_AVAILABLE {
			continue
		}
		used := false
		for _, d := range o.GetDinners() {
			if d.GetCancelled() || d.GetDate() < today {
				continue
			}
			// Open proposals count too: a job never proposes more than a
			// dinner can seat if every invitation is accepted. A full
			// dinner stays in with 0 seats: a party it fits is then left
			// out because the dinners are full, not for want of a dinner
			// on its dates (ADR 0165). It seats nobody (the rules build
			// no edge to it) and is not counted among the job's dinners.
			// Who holds the taken seats, open proposals or approved
			// seatings, is kept for the reason to say (ADR 0171).
			t := &pb.JobTable{OfferId: o.GetId(), Date: d.GetDate(), StartTime: d.GetStartTime()}
			at, _ := s.seatings.Find(store.Query[*pb.Seating]{Index: "table", Values: []string{tableKey(o.GetId(), d.GetDate())}, Filter: live})
			for _, p := range at.Items {
				if p.GetStatus() == proposed {
					t.HeldByProposals += p.GetPartySize()
				} else {
					t.HeldByApproved += p.GetPartySize()
				}
				if su, ok := s.signups.Lookup(p.GetSignUpId()); ok && su.GetSfiClass() != "" {
					snap.SeatedClasses = append(snap.SeatedClasses, rules.ClassKey(o.GetId(), d.GetDate(), su.GetSfiClass()))
				}
			}
			n := max(int(o.GetSeats()-t.HeldByProposals-t.HeldByApproved), 0)
			t.FreeSeats = int32(n)
			snap.Tables = append(snap.Tables, t)
			if n > 0 {
				free += n
				dinners++
			}
			used = true
		}
		if used {
			// The snapshot's offer holds its dinners ahead only: dates
			// behind, an admin's records among them (up to
			// maxPastDinners, ADR 0277), are no job's work.
			c := clone(o)
			c.Dinners = slices.DeleteFunc(c.Dinners, func(d *pb.Dinner) bool { return d.GetDate() < today })
			snap.Offers = append(snap.Offers, c)
		}
	}
	for k := range excluded {
		snap.Excluded = append(snap.Excluded, k)
	}
	pairs := excludedPairs(before, snap.GetTables())
	slices.Sort(snap.Excluded)
	slices.Sort(snap.SeatedClasses)
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(snap)
	if err != nil {
		return jobs.Snapshot{}, err
	}
	return jobs.Snapshot{Raw: raw, Version: rs.Version, Counts: map[string]int64{
		"parties": int64(len(snap.SignUps)), "guests": int64(guests), "dinners": int64(dinners), "free_seats": int64(free),
		"excluded_pairs": int64(pairs),
	}}, nil
}

// input decodes a snapshot into the rules' input.
func input(snap *pb.JobSnapshot) (*rules.Input, error) {
	today, err := time.Parse(time.DateOnly, snap.GetToday())
	if err != nil {
		return nil, fmt.Errorf("snapshot day: %w", err)
	}
	in := &rules.Input{SignUps: snap.GetSignUps(), Tables: snap.GetTables(), Offers: map[string]*pb.Offer{},
		Excluded: map[string]bool{}, SeatedClasses: map[string]bool{}, Today: today}
	for _, o := range snap.GetOffers() {
		in.Offers[o.GetId()] = o
	}
	for _, k := range snap.GetExcluded() {
		in.Excluded[k] = true
	}
	for _, k := range snap.GetSeatedClasses() {
		in.SeatedClasses[k] = true
	}
	return in, nil
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
	in, err := input(snap)
	if err != nil {
		return jobs.Plan{}, err
	}
	built, err := rs.Build(in)
	if err != nil {
		return jobs.Plan{}, err
	}
	signups := make(map[string]*pb.SignUp, len(in.SignUps))
	for _, su := range in.SignUps {
		signups[su.GetId()] = su
	}
	tables := make(map[string]*pb.JobTable, len(in.Tables))
	for _, t := range in.Tables {
		tables[tableKey(t.GetOfferId(), t.GetDate())] = t
	}
	var result pb.JobResult
	// The full dinners of the parties left out as DINNERS_FULL: counted[k]
	// is table k's place in result.CountedDinners plus one (0: not yet
	// counted), so each is counted once in the result's totals; at is
	// UnseatedAt's slice, one for the whole job.
	counted := make([]uint32, len(in.Tables))
	var at []int
	return jobs.Plan{
		Built: built,
		Propose: func(ctx context.Context, x match.Explanation) (bool, error) {
			su, t := signups[built.NewcomerIDs[x.Newcomer]], tables[built.HostIDs[x.Host]]
			return s.propose(ctx, s.seating(j, rs.Version, su, in.Offers[t.GetOfferId()], t, x))
		},
		ProposeBatch: func(ctx context.Context, xs []match.Explanation) ([]bool, error) {
			ps := make([]*pb.Seating, len(xs))
			for k, x := range xs {
				su, t := signups[built.NewcomerIDs[x.Newcomer]], tables[built.HostIDs[x.Host]]
				ps[k] = s.seating(j, rs.Version, su, in.Offers[t.GetOfferId()], t, x)
			}
			return s.proposeBatch(ctx, j, ps)
		},
		Unmatched: func(x match.Explanation) {
			su := signups[built.NewcomerIDs[x.Newcomer]]
			u := &pb.UnseatedParty{SignUpId: su.GetId(), MunicipalityCode: su.GetMunicipalityCode(), PartySize: int32(rules.PartySize(su))}
			var stage rules.Stage
			stage, at = rs.UnseatedAt(in, su, at)
			switch stage {
			case rules.NoDate:
				u.Reason = pb.UnseatedReason_UNSEATED_REASON_NO_DATE
			case rules.NoKitchen:
				u.Reason = pb.UnseatedReason_UNSEATED_REASON_NO_KITCHEN
			case rules.NoReach:
				u.Reason = pb.UnseatedReason_UNSEATED_REASON_NO_HOST_IN_REACH
			case rules.ProposedBefore:
				// Every dinner in reach proposed it before (ADR 0252).
				u.Reason = pb.UnseatedReason_UNSEATED_REASON_PROPOSED_BEFORE
			case rules.NoSeats:
				// No dinner it fits had room for it at the snapshot.
				u.Reason = pb.UnseatedReason_UNSEATED_REASON_DINNERS_FULL
				u.FullDinners = &pb.FullDinners{}
				if result.FullDinners == nil {
					result.FullDinners = &pb.FullDinners{}
				}
				u.CountedDinners = make([]uint32, 0, len(at))
				for _, k := range at {
					addDinner(u.FullDinners, in.Tables[k])
					if counted[k] == 0 {
						addDinner(result.FullDinners, in.Tables[k])
						result.CountedDinners = append(result.CountedDinners, &pb.CountedDinner{
							SeatsHeldByProposals: in.Tables[k].GetHeldByProposals(), SeatsHeldByApproved: in.Tables[k].GetHeldByApproved()})
						counted[k] = uint32(len(result.CountedDinners))
					}
					u.CountedDinners = append(u.CountedDinners, counted[k]-1)
				}
				deltas(u.CountedDinners)
			default:
				// Some dinner had room; this job filled it with others.
				u.Reason = pb.UnseatedReason_UNSEATED_REASON_SEATS_TAKEN
			}
			result.Unseated = append(result.Unseated, u)
		},
		Result: func() ([]byte, map[string]int64, error) {
			raw, err := proto.Marshal(&result)
			return raw, map[string]int64{"unseated": int64(len(result.GetUnseated()))}, err
		},
	}, nil
}

func toParts(ps []match.Part) []*pb.ScorePart {
	out := make([]*pb.ScorePart, len(ps))
	for k, p := range ps {
		out[k] = &pb.ScorePart{Rule: p.Name, Points: p.Points}
	}
	return out
}

// seating is the proposed seating of one seated party. Its id derives
// from (sign-up, offer, date), so the bucket's create-once key decides: a
// restarted job finds its own seating already there.
func (s *Service) seating(j jobs.Job, version string, su *pb.SignUp, o *pb.Offer, t *pb.JobTable, x match.Explanation) *pb.Seating {
	p := &pb.Seating{
		Id: SeatingID(su.GetId(), o.GetId(), t.GetDate()), JobId: j.ID, OrganisationId: j.Organisation,
		MunicipalityCode: su.GetMunicipalityCode(), SignUpId: su.GetId(), ParticipantId: su.GetParticipantId(),
		OfferId: o.GetId(), VolunteerId: o.GetVolunteerId(), Date: t.GetDate(), StartTime: t.GetStartTime(),
		PartySize: int32(rules.PartySize(su)), Status: proposed, Score: x.Score, ScoreParts: toParts(x.Parts),
		RulesVersion: version, ProposeTime: timestamppb.New(s.now().UTC()), UpdatedBy: "job:" + j.ID,
		FirstTime: su.GetFirstTime(), SignUpTime: su.GetCreateTime(),
	}
	if g, ok := s.pool.Guest(su.GetParticipantId()); ok {
		p.ParticipantGender, p.ParticipantLanguage = g.GetGender(), g.GetLanguage()
	}
	return p
}

// Tally is the kit's Config.Tally: the seatings stored with the job's id
// (proposal.Tally).
func (s *Service) Tally(ctx context.Context, j jobs.Job) (map[string]int64, error) {
	return proposal.Tally(s.seatings, (*pb.Seating).GetJobId, nil)(ctx, j)
}

// Schedules is the kit's Config.Schedules: each organisation whose rules
// ask for a scheduled job.
func (s *Service) Schedules() []jobs.Schedule {
	return jobs.SchedulesFrom(s.rules.Orgs(), func(org string) (time.Duration, []string) {
		r := s.rules.For(org)
		return r.ScheduleEvery, r.ScheduleMunicipalities
	})
}

// RulesVersion names the rules a job of org would use now.
func (s *Service) RulesVersion(org string) string { return s.rules.For(org).Version }

// FinishJob publishes the job-finished event with a deterministic id (a
// resumed job that finishes again gets an event of its own).
func (s *Service) FinishJob(ctx context.Context, j jobs.Job) error {
	ev, err := events.NewEnvelope(proposal.ID(j.FinishedKey()...), events.DinnersJobFinished, j.ID, s.now(), &eventsv1.DinnerJobFinished{
		JobId: j.ID, OrganisationId: j.Organisation, MunicipalityCodes: j.Municipalities,
		Succeeded: j.State == jobs.Succeeded, Proposals: int32(j.Counts["proposals"]), FinishTime: timestamppb.New(j.Finished),
	})
	if err != nil {
		return err
	}
	return s.pub.Publish(ctx, ev)
}
