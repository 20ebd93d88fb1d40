package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// waitingOf pages through c's waiting list size at a time, checking that
// every page's total agrees, and returns the rows in order.
func waitingOf(ctx context.Context, t testing.TB, c pb.MentoringServiceClient, size int32) ([]*pb.WaitingNewcomer, error) {
	t.Helper()
	var out []*pb.WaitingNewcomer
	token, total := "", int32(-1)
	for range 1000 {
		res, err := c.ListWaitingNewcomers(ctx, &pb.ListWaitingNewcomersRequest{PageSize: size, PageToken: token})
		if err != nil {
			return nil, err
		}
		if total >= 0 && res.GetTotalSize() != total {
			return nil, fmt.Errorf("total %d on one page, %d on the next", total, res.GetTotalSize())
		}
		total = res.GetTotalSize()
		out = append(out, res.GetNewcomers()...)
		if token = res.GetNextPageToken(); token == "" {
			if int(total) != len(out) {
				return nil, fmt.Errorf("total %d, but the pages held %d", total, len(out))
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("no last page")
}

func waitingIDs(ws []*pb.WaitingNewcomer) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.GetParticipantId())
	}
	return out
}

// TestWaitingNewcomers: the waiting list is the scope's consenting
// newcomers in no open pair, longest waiting first (from the consent the
// facts carry, else from when the newcomer entered the pool), the same
// over pages of 5 as in one page; a job's proposals leave it, a rejected
// proposal comes back with its old wait and an ended pair restarts it; a
// newcomer who moved to another organisation leaves its coordinator's
// list for the other's; another organisation's and another
// municipality's coordinators see only theirs, an operator is refused,
// and bad input is InvalidArgument naming the field.
func TestWaitingNewcomers(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 1, server.Options{})
	pop := population(41, 12, 2)
	mentoring := eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
	given := map[string]time.Time{}
	for i, n := range pop.newcomers {
		if i == 0 {
			continue // as published before the facts told the consent's time
		}
		// Later ids consented earlier, so the order is not the ids'.
		at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(len(pop.newcomers)-i) * time.Hour)
		given[n.GetParticipantId()] = at
		n.ConsentsGiven = []*eventsv1.ConsentGiven{{Purpose: mentoring, GivenAt: at.Format(time.RFC3339Nano)}}
	}
	other := []*eventsv1.ParticipantFacts{
		{ParticipantId: "p-b-0001", OrganisationId: orgB, MunicipalityCode: "0180", ConsentedPurposes: []eventsv1.ConsentPurpose{mentoring}},
		{ParticipantId: "p-a2-0001", OrganisationId: orgA, MunicipalityCode: "1480", ConsentedPurposes: []eventsv1.ConsentPurpose{mentoring}},
		// No consent to mentoring: never in the pool, never waiting.
		{ParticipantId: "p-no-0001", OrganisationId: orgA, MunicipalityCode: "0180", ConsentedPurposes: []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS}},
	}
	envs := registrations(t, pop)
	for _, n := range other {
		envs = append(envs, envelope(t, events.ParticipantRegistered, n.GetParticipantId(), &eventsv1.ParticipantRegistered{Facts: n}))
	}
	e.publishAll(ctx, envs)
	e.waitPool(ctx, len(pop.newcomers)+len(other), len(pop.mentors))
	c := e.as(coordA)

	all, err := waitingOf(ctx, t, c, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"p-0000"} // its wait began at its registration event, in January
	for i := len(pop.newcomers) - 1; i > 0; i-- {
		want = append(want, pop.newcomers[i].GetParticipantId())
	}
	if got := waitingIDs(all); !slices.Equal(got, want) {
		t.Fatalf("A's coordinator's waiting list:\n got %v\nwant %v", got, want)
	}
	if got, want := all[0].GetWaitStartTime().AsTime(), envs[0].GetOccurredAt().AsTime(); !got.Equal(want) {
		t.Errorf("p-0000 waits since %v, want its registration event's %v", got, want)
	}
	for _, w := range all[1:] {
		if got, want := w.GetWaitStartTime().AsTime(), given[w.GetParticipantId()]; !got.Equal(want) {
			t.Errorf("%s waits since %v, want its consent %v", w.GetParticipantId(), got, want)
		}
		if w.GetOrganisationId() != orgA || w.GetRegisterTime() == nil {
			t.Errorf("%s: organisation %q, registered %v", w.GetParticipantId(), w.GetOrganisationId(), w.GetRegisterTime())
		}
	}
	paged, err := waitingOf(ctx, t, c, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := waitingIDs(paged); !slices.Equal(got, want) {
		t.Errorf("pages of 5: %v, want %v", got, want)
	}

	for name, tc := range map[string]struct {
		who  auth.Claims
		want []string
	}{
		"another organisation":  {coordB, []string{"p-b-0001"}},
		"another municipality":  {coordA2, []string{"p-a2-0001"}},
		"an administrator sees": {admin, append(slices.Clone(want), "p-a2-0001", "p-b-0001")},
	} {
		got, err := waitingOf(ctx, t, e.as(tc.who), 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ids := waitingIDs(got)
		if name == "an administrator sees" {
			slices.Sort(ids)
			slices.Sort(tc.want)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: %v, want %v", name, ids, tc.want)
		}
	}
	if _, err := waitingOf(ctx, t, e.as(operator), 0); code(err) != codes.PermissionDenied {
		t.Errorf("an operator: %v, want PermissionDenied", err)
	}
	for field, req := range map[string]*pb.ListWaitingNewcomersRequest{
		"page_size":  {PageSize: 501},
		"page_token": {PageToken: "bm90IGEgdG9rZW4"},
	} {
		_, err := c.ListWaitingNewcomers(ctx, req)
		if code(err) != codes.InvalidArgument || !hasField(err, field) {
			t.Errorf("bad %s: %v, want InvalidArgument naming it", field, err)
		}
	}

	// A job proposes a pair to as many newcomers as the mentors have
	// places: those leave the list, the others stay in their order.
	job := e.runJob(ctx, c, "waiting")
	proposed := map[string]*pb.Pair{}
	for _, p := range pairsOf(ctx, t, c, job.GetId()) {
		proposed[p.GetParticipantId()] = p
	}
	if len(proposed) == 0 {
		t.Fatal("the job proposed no pair")
	}
	rest := slices.DeleteFunc(slices.Clone(want), func(id string) bool { return proposed[id] != nil })
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		got, err := waitingOf(ctx, t, c, 4)
		if err != nil {
			return err
		}
		if !slices.Equal(waitingIDs(got), rest) {
			return fmt.Errorf("after the job: %v, want %v", waitingIDs(got), rest)
		}
		return nil
	})

	// One proposal rejected: that newcomer waits again, since the consent.
	// Another made a pair that ends: its newcomer waits from the end.
	var rejected, ended *pb.Pair
	for _, id := range want {
		switch p := proposed[id]; {
		case p == nil:
		case rejected == nil:
			rejected = p
		case ended == nil:
			ended = p
		}
	}
	if ended == nil {
		t.Fatalf("the job proposed %d pairs, want 2 or more", len(proposed))
	}
	if _, err := c.RejectProposal(ctx, &pb.RejectProposalRequest{Id: rejected.GetId(), Reason: eventsv1.RejectReason_REJECT_REASON_OTHER}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: ended.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
		if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: ended.GetId(), Party: party}); err != nil {
			t.Fatal(err)
		}
	}
	end, err := c.EndPair(ctx, &pb.EndPairRequest{Id: ended.GetId(), Reason: eventsv1.EndReason_END_REASON_COMPLETED})
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		got, err := waitingOf(ctx, t, c, 0)
		if err != nil {
			return err
		}
		since := map[string]time.Time{}
		for _, w := range got {
			since[w.GetParticipantId()] = w.GetWaitStartTime().AsTime()
		}
		if t0, ok := since[rejected.GetParticipantId()]; !ok || !t0.Equal(given[rejected.GetParticipantId()]) {
			return fmt.Errorf("the rejected proposal's newcomer waits since %v (listed %v), want the consent %v", t0, ok, given[rejected.GetParticipantId()])
		}
		if t1, ok := since[ended.GetParticipantId()]; !ok || !t1.Equal(end.GetPair().GetEndTime().AsTime()) {
			return fmt.Errorf("the ended pair's newcomer waits since %v (listed %v), want the end %v", t1, ok, end.GetPair().GetEndTime().AsTime())
		}
		if last := got[len(got)-1].GetParticipantId(); last != ended.GetParticipantId() {
			return fmt.Errorf("the newest wait is %s's, want %s's, who waits from today", last, ended.GetParticipantId())
		}
		return nil
	})

	// A waiting newcomer moves to organisation B: A's coordinator no
	// longer sees them, B's does.
	moved := rest[0]
	for _, n := range pop.newcomers {
		if n.GetParticipantId() == moved {
			n.OrganisationId = orgB
			e.publishAll(ctx, []*eventsv1.Envelope{envelope(t, events.ParticipantUpdated, moved, &eventsv1.ParticipantUpdated{Facts: n, ChangedFields: []string{"organisation_id"}})})
		}
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		a, err := waitingOf(ctx, t, c, 0)
		if err != nil {
			return err
		}
		b, err := waitingOf(ctx, t, e.as(coordB), 0)
		if err != nil {
			return err
		}
		if slices.Contains(waitingIDs(a), moved) || !slices.Contains(waitingIDs(b), moved) {
			return fmt.Errorf("%s moved to B: A lists %v, B lists %v", moved, waitingIDs(a), waitingIDs(b))
		}
		return nil
	})
}
