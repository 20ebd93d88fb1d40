package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestRetriedStepsAreToldTheyStand (ADR 0273): a client whose answer was
// lost (its replica killed just after the write, ADR 0270) sends the same
// step again. Each step of a pair (approve, both acceptances, end; and on
// others decline and reject) is sent twice; the second is answered OK
// with the pair as the first left it, and each pair has as many events
// as a pair walked once beside it (counted on the stream). What is not
// the same step stays refused: approve once active, an end for another
// reason, any step after the end, the other party's decline or an
// acceptance after a decline, a reject for another reason.
func TestRetriedStepsAreToldTheyStand(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(1, 40, 15))
	c := e.as(coordA)
	ps := pairsOf(ctx, t, c, e.runJob(ctx, c, "retry").GetId())
	if len(ps) < 6 {
		t.Fatalf("%d proposals, want at least 6", len(ps))
	}
	retried, measure := ps[0].GetId(), ps[1].GetId()
	moved := eventsv1.EndReason_END_REASON_MOVED
	type call func(id string) (*pb.Pair, error)
	approve := func(id string) (*pb.Pair, error) {
		r, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: id})
		return r.GetPair(), err
	}
	accept := func(party eventsv1.Party) call {
		return func(id string) (*pb.Pair, error) {
			r, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: id, Party: party})
			return r.GetPair(), err
		}
	}
	end := func(reason eventsv1.EndReason) call {
		return func(id string) (*pb.Pair, error) {
			r, err := c.EndPair(ctx, &pb.EndPairRequest{Id: id, Reason: reason})
			return r.GetPair(), err
		}
	}
	decline := func(party eventsv1.Party) call {
		return func(id string) (*pb.Pair, error) {
			r, err := c.DeclineOffer(ctx, &pb.DeclineOfferRequest{Id: id, Party: party, Reason: eventsv1.DeclineReason_DECLINE_REASON_NO_TIME})
			return r.GetPair(), err
		}
	}
	reject := func(reason eventsv1.RejectReason) call {
		return func(id string) (*pb.Pair, error) {
			r, err := c.RejectProposal(ctx, &pb.RejectProposalRequest{Id: id, Reason: reason})
			return r.GetPair(), err
		}
	}
	steps := []struct {
		name string
		want eventsv1.PairStatus
		call call
	}{
		{"approve", eventsv1.PairStatus_PAIR_STATUS_OFFERED, approve},
		{"the newcomer's acceptance", eventsv1.PairStatus_PAIR_STATUS_OFFERED, accept(eventsv1.Party_PARTY_NEWCOMER)},
		{"the mentor's acceptance", eventsv1.PairStatus_PAIR_STATUS_ACTIVE, accept(eventsv1.Party_PARTY_MENTOR)},
		{"end", eventsv1.PairStatus_PAIR_STATUS_ENDED, end(moved)},
	}
	twice := func(name string, want eventsv1.PairStatus, do call, id string) {
		t.Helper()
		first, err := do(id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := do(id)
		if err != nil {
			t.Fatalf("%s again: %v, want OK (the step stands)", name, err)
		}
		if again.GetStatus() != want || !proto.Equal(again, first) {
			t.Errorf("%s again: got %v, want %v as the first answer was", name, again, first)
		}
	}
	refused := func(what string, do call, id string) {
		t.Helper()
		if _, err := do(id); code(err) != codes.FailedPrecondition {
			t.Errorf("%s: %v, want FailedPrecondition", what, err)
		}
	}
	for k, s := range steps {
		if _, err := s.call(measure); err != nil {
			t.Fatalf("%s (the measure): %v", s.name, err)
		}
		twice(s.name, s.want, s.call, retried)
		if k == 2 {
			refused("approve once active", approve, retried)
		}
	}
	refused("end for another reason after the end", end(eventsv1.EndReason_END_REASON_OTHER), retried)
	for _, s := range steps[:3] {
		refused(s.name+" after the end", s.call, retried)
	}

	// A decline and a rejection, each beside a measure walked once.
	declined, declineMeasure := ps[2].GetId(), ps[3].GetId()
	for _, id := range []string{declined, declineMeasure} {
		if _, err := approve(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := decline(eventsv1.Party_PARTY_NEWCOMER)(declineMeasure); err != nil {
		t.Fatal(err)
	}
	twice("the newcomer's decline", eventsv1.PairStatus_PAIR_STATUS_DECLINED, decline(eventsv1.Party_PARTY_NEWCOMER), declined)
	refused("the mentor's decline after the newcomer's", decline(eventsv1.Party_PARTY_MENTOR), declined)
	refused("an acceptance after the decline", accept(eventsv1.Party_PARTY_NEWCOMER), declined)
	rejected, rejectMeasure := ps[4].GetId(), ps[5].GetId()
	if _, err := reject(eventsv1.RejectReason_REJECT_REASON_POOR_FIT)(rejectMeasure); err != nil {
		t.Fatal(err)
	}
	twice("reject", eventsv1.PairStatus_PAIR_STATUS_REJECTED, reject(eventsv1.RejectReason_REJECT_REASON_POOR_FIT), rejected)
	refused("reject for another reason", reject(eventsv1.RejectReason_REJECT_REASON_OTHER), rejected)

	// Each write's event goes out after it, oldest first: once every
	// pair's last event is there, all of them are.
	for _, pair := range [][3]string{{retried, measure, events.PairEnded}, {declined, declineMeasure, events.PairDeclined},
		{rejected, rejectMeasure, events.PairRejected}} {
		testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
			a, lastA, err := pairEvents(ctx, e, pair[0])
			if err != nil {
				return err
			}
			b, lastB, err := pairEvents(ctx, e, pair[1])
			if err != nil {
				return err
			}
			if !lastA[pair[2]] || !lastB[pair[2]] {
				return fmt.Errorf("no %s event yet", pair[2])
			}
			if a != b {
				return fmt.Errorf("%d events for the pair whose steps were sent twice, %d for the measure walked once", a, b)
			}
			return nil
		})
	}
}

// pairEvents counts pair id's events on the stream and says which kinds
// (subjects without the id) are there.
func pairEvents(ctx context.Context, e *env, id string) (int, map[string]bool, error) {
	s, err := e.nats.JS.Stream(ctx, events.StreamMentoring)
	if err != nil {
		return 0, nil, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("mentoring.pair.*."+id))
	if err != nil {
		return 0, nil, err
	}
	n, kinds := 0, map[string]bool{}
	for subject, c := range info.State.Subjects {
		n += int(c)
		kinds[strings.TrimSuffix(subject, "."+id)] = true
	}
	return n, kinds, nil
}
