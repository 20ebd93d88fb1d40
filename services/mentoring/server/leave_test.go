package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/mentoring/internal/pairs"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// activate approves pair id and has both parties accept it.
func activate(ctx context.Context, t *testing.T, c pb.MentoringServiceClient, id string) {
	t.Helper()
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
		if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: id, Party: party}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitStatus waits until pair id has status want; want 0 waits until the
// pair is gone.
func waitStatus(ctx context.Context, t *testing.T, c pb.MentoringServiceClient, id string, want eventsv1.PairStatus) *pb.Pair {
	t.Helper()
	var p *pb.Pair
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		res, err := c.GetPair(ctx, &pb.GetPairRequest{Id: id})
		if want == 0 {
			if code(err) != 5 {
				return fmt.Errorf("pair %s still there (%v)", id, err)
			}
			return nil
		}
		if err != nil {
			return err
		}
		p = res.GetPair()
		if p.GetStatus() != want {
			return fmt.Errorf("pair %s is %s, want %s", id, p.GetStatus(), want)
		}
		return nil
	})
	return p
}

// holders reads who holds resource's slots.
func holders(ctx context.Context, t *testing.T, e *env, resource string) []string {
	t.Helper()
	return servicetest.SlotHolders(ctx, t, e.nats.JS, pairs.SlotBucket, resource)
}

// pairSubjects lists the MENTORING stream's subjects that name pair id.
func pairSubjects(ctx context.Context, t *testing.T, e *env, id string) []string {
	t.Helper()
	s, err := e.nats.JS.Stream(ctx, events.StreamMentoring)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("mentoring.*.*."+id))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for subj := range info.State.Subjects {
		out = append(out, subj)
	}
	slices.Sort(out)
	return out
}

// TestLeave: a newcomer withdrawing consent withdraws their open
// proposal; a mentor who stops being one ends their active pair early and
// frees both slots; erasing a person erases every pair naming them, with
// the pairs' events purged from the stream (only the id-only erased event
// stays) and the other person's slot freed.
func TestLeave(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	pop := population(11, 16, 10)
	e.seed(ctx, pop)
	c := e.as(coordA)
	job := e.runJob(ctx, c, "leave")
	// Four proposals with four different mentors, so one leaving touches
	// one of them only.
	var ps []*pb.Pair
	mentors := map[string]bool{}
	for _, p := range pairsOf(ctx, t, c, job.GetId()) {
		if !mentors[p.GetVolunteerId()] && len(ps) < 4 {
			mentors[p.GetVolunteerId()] = true
			ps = append(ps, p)
		}
	}
	if len(ps) < 4 {
		t.Fatalf("only %d proposals with distinct mentors", len(ps))
	}
	withdrawn, ended, erasedOpen, erasedActive := ps[0], ps[1], ps[2], ps[3]
	activate(ctx, t, c, ended.GetId())
	activate(ctx, t, c, erasedActive.GetId())
	// The day the erased active pair began, as its erasure must say it
	// (ADR 0153): Stockholm's day of its activation.
	activeDay := waitStatus(ctx, t, c, erasedActive.GetId(), eventsv1.PairStatus_PAIR_STATUS_ACTIVE).
		GetActiveTime().AsTime().In(report.Stockholm).Format(time.DateOnly)
	facts := map[string]*eventsv1.ParticipantFacts{}
	for _, n := range pop.newcomers {
		facts[n.GetParticipantId()] = n
	}
	vfacts := map[string]*eventsv1.VolunteerFacts{}
	for _, m := range pop.mentors {
		vfacts[m.GetVolunteerId()] = m
	}

	nid := withdrawn.GetParticipantId()
	noConsent := proto.Clone(facts[nid]).(*eventsv1.ParticipantFacts)
	noConsent.ConsentedPurposes = nil
	notMentor := proto.Clone(vfacts[ended.GetVolunteerId()]).(*eventsv1.VolunteerFacts)
	notMentor.Roles = nil
	e.publishAll(ctx, []*eventsv1.Envelope{
		envelope(t, events.ParticipantConsentChanged, nid, &eventsv1.ParticipantConsentChanged{ParticipantId: nid, Facts: noConsent}),
		envelope(t, events.VolunteerUpdated, ended.GetVolunteerId(), &eventsv1.VolunteerUpdated{Facts: notMentor}),
		envelope(t, events.ParticipantErased, erasedOpen.GetParticipantId(), &eventsv1.ParticipantErased{ParticipantId: erasedOpen.GetParticipantId()}),
		envelope(t, events.VolunteerErased, erasedActive.GetVolunteerId(), &eventsv1.VolunteerErased{VolunteerId: erasedActive.GetVolunteerId()}),
	})

	waitStatus(ctx, t, c, withdrawn.GetId(), eventsv1.PairStatus_PAIR_STATUS_WITHDRAWN)
	p := waitStatus(ctx, t, c, ended.GetId(), eventsv1.PairStatus_PAIR_STATUS_ENDED)
	if p.GetEndReason() != eventsv1.EndReason_END_REASON_LEFT_PROGRAMME {
		t.Errorf("end reason %s, want left programme", p.GetEndReason())
	}
	for _, r := range []string{ended.GetVolunteerId(), ended.GetParticipantId()} {
		testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
			if h := holders(ctx, t, e, r); len(h) != 0 {
				return fmt.Errorf("%s still held by %v after the pair ended", r, h)
			}
			return nil
		})
	}

	for _, gone := range []*pb.Pair{erasedOpen, erasedActive} {
		waitStatus(ctx, t, c, gone.GetId(), 0)
		testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
			got := pairSubjects(ctx, t, e, gone.GetId())
			if want := []string{events.PairErased + "." + gone.GetId()}; !slices.Equal(got, want) {
				return fmt.Errorf("stream subjects of erased pair: %v, want %v", got, want)
			}
			return nil
		})
	}
	// The erased mentor's newcomer is free again: their slot is released.
	if h := holders(ctx, t, e, erasedActive.GetParticipantId()); len(h) != 0 {
		t.Errorf("newcomer of the erased mentor still held by %v", h)
	}
	for _, q := range []*pb.ListPairsRequest{
		{ParticipantId: erasedOpen.GetParticipantId()}, {VolunteerId: erasedActive.GetVolunteerId()},
	} {
		res, err := c.ListPairs(ctx, q)
		if err != nil || res.GetTotalSize() != 0 {
			t.Errorf("pairs of an erased person: %v, %v", res.GetPairs(), err)
		}
	}
	// No event left in the stream names an erased person.
	s, err := e.nats.JS.Stream(ctx, events.StreamMentoring)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(int(info.State.Msgs), jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	// Who left, as a side (ADR 0148): notify tells the other one.
	wantParty := map[string]eventsv1.Party{
		events.PairEnded + "." + ended.GetId():         eventsv1.Party_PARTY_MENTOR,
		events.PairErased + "." + erasedOpen.GetId():   eventsv1.Party_PARTY_NEWCOMER,
		events.PairErased + "." + erasedActive.GetId(): eventsv1.Party_PARTY_MENTOR,
	}
	for m := range batch.Messages() {
		n++
		for _, id := range []string{erasedOpen.GetParticipantId(), erasedActive.GetVolunteerId()} {
			if strings.Contains(string(m.Data()), id) {
				t.Errorf("event %s still names erased %s", m.Subject(), id)
			}
		}
		want, ok := wantParty[m.Subject()]
		if !ok {
			continue
		}
		delete(wantParty, m.Subject())
		var env eventsv1.Envelope
		var ch eventsv1.MentoringPairChanged
		var er eventsv1.MentoringPairErased
		if err := proto.Unmarshal(m.Data(), &env); err != nil {
			t.Fatal(err)
		}
		got := eventsv1.Party_PARTY_UNSPECIFIED
		if env.GetPayload().UnmarshalTo(&er) == nil {
			got = er.GetErasedParty()
		} else if env.GetPayload().UnmarshalTo(&ch) == nil {
			got = ch.GetParty()
		}
		if got != want {
			t.Errorf("%s says %s left, want %s", m.Subject(), got, want)
		}
		// What the pair was when erased (ADR 0153): the open proposal
		// never began, the active pair began on its day.
		if er.GetPairId() != "" {
			wantStatus, wantDay := eventsv1.PairStatus_PAIR_STATUS_PROPOSED, ""
			if er.GetPairId() == erasedActive.GetId() {
				wantStatus, wantDay = eventsv1.PairStatus_PAIR_STATUS_ACTIVE, activeDay
			}
			if er.GetStatus() != wantStatus || er.GetActiveDate() != wantDay {
				t.Errorf("%s says status %s, active %q; want %s, %q", m.Subject(), er.GetStatus(), er.GetActiveDate(), wantStatus, wantDay)
			}
		}
	}
	if len(wantParty) != 0 {
		t.Errorf("no events %v in the stream", wantParty)
	}
	if n != int(info.State.Msgs) {
		t.Errorf("read %d of %d events", n, info.State.Msgs)
	}
}

// TestJobSkipsWhoLeftAfterSnapshot: a job whose input snapshot still holds
// people erased or gone since proposes nobody of them. The job is held
// after its snapshot while a newcomer is erased and a mentor stops being
// one; the same population without that makes pairs with both.
func TestJobSkipsWhoLeftAfterSnapshot(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	pop := population(13, 20, 8)

	free := startEnv(t, 1, server.Options{})
	free.seed(ctx, pop)
	base := pairsOf(ctx, t, free.as(coordA), free.runJob(ctx, free.as(coordA), "base").GetId())
	if len(base) < 2 {
		t.Fatalf("crash-free run made %d proposals", len(base))
	}
	victimN, victimM := base[0].GetParticipantId(), base[len(base)-1].GetVolunteerId()

	e, c, jobID, release := heldJob(ctx, t, pop)
	var m *eventsv1.VolunteerFacts
	for _, v := range pop.mentors {
		if v.GetVolunteerId() == victimM {
			m = proto.Clone(v).(*eventsv1.VolunteerFacts)
		}
	}
	m.Roles = nil
	e.publishAll(ctx, []*eventsv1.Envelope{
		envelope(t, events.ParticipantErased, victimN, &eventsv1.ParticipantErased{ParticipantId: victimN}),
		envelope(t, events.VolunteerUpdated, victimM, &eventsv1.VolunteerUpdated{Facts: m}),
	})
	settled(ctx, t, e)
	release()
	job := e.waitJob(ctx, c, jobID)
	got := pairsOf(ctx, t, c, job.GetId())
	if len(got) == 0 {
		t.Fatal("the held job proposed nothing")
	}
	for _, p := range got {
		if p.GetParticipantId() == victimN || p.GetVolunteerId() == victimM {
			t.Errorf("pair %s/%s proposed for someone who left after the snapshot", p.GetParticipantId(), p.GetVolunteerId())
		}
	}
}

// heldJob starts a replica on pop and a job there that stops after its
// snapshot (its "build" report) until release is called: a test changes
// the pool while the job's input is frozen.
func heldJob(ctx context.Context, t *testing.T, pop people) (e *env, c pb.MentoringServiceClient, jobID string, release func()) {
	t.Helper()
	hooks, held, let := holdAt("build")
	e = startEnv(t, 1, server.Options{JobHooks: hooks})
	e.seed(ctx, pop)
	c = e.as(coordA)
	res, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: "held", OrganisationId: orgA, MunicipalityCodes: []string{"0180", "0380"}})
	if err != nil {
		t.Fatal(err)
	}
	<-held
	return e, c, res.GetJob().GetId(), func() { close(let) }
}

// TestPairProposedOnce: a pair another job already proposed is not proposed
// again even when the job's snapshot and index do not show it. The job is
// held after its snapshot while another writer puts the pair in the bucket
// (as a replica whose write this one's snapshot missed would); the job
// leaves that pair alone and proposes the rest.
func TestPairProposedOnce(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	pop := population(17, 20, 8)
	free := startEnv(t, 1, server.Options{})
	free.seed(ctx, pop)
	base := pairsOf(ctx, t, free.as(coordA), free.runJob(ctx, free.as(coordA), "base").GetId())
	if len(base) < 2 {
		t.Fatalf("crash-free run made %d proposals", len(base))
	}
	taken := base[0]

	e, c, jobID, release := heldJob(ctx, t, pop)
	other := e.pairRepo(ctx)
	id := pairs.PairID(taken.GetParticipantId(), taken.GetVolunteerId())
	if _, err := other.Create(ctx, id, &pb.Pair{Id: id, JobId: "other-job", OrganisationId: orgA, MunicipalityCode: taken.GetMunicipalityCode(),
		ParticipantId: taken.GetParticipantId(), VolunteerId: taken.GetVolunteerId(), Status: eventsv1.PairStatus_PAIR_STATUS_DECLINED}); err != nil {
		t.Fatal(err)
	}
	release()
	job := e.waitJob(ctx, c, jobID)
	got := pairsOf(ctx, t, c, job.GetId())
	if len(got) != len(base)-1 || int(job.GetCounts().GetProposals()) != len(got) {
		t.Errorf("held job made %d proposals (counted %d), want %d", len(got), job.GetCounts().GetProposals(), len(base)-1)
	}
	all, err := c.ListPairs(ctx, &pb.ListPairsRequest{ParticipantId: taken.GetParticipantId()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all.GetPairs() {
		if p.GetVolunteerId() == taken.GetVolunteerId() && (p.GetJobId() != "other-job" || p.GetStatus() != eventsv1.PairStatus_PAIR_STATUS_DECLINED) {
			t.Errorf("pair %s/%s proposed again: %v", p.GetParticipantId(), p.GetVolunteerId(), p)
		}
	}
}
