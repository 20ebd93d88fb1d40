package server_test

import (
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestConcurrentAcceptsNeverOversell offers one mentor with 2 slots to 50
// newcomers who all accepted, then has the mentor accept all 50 at once
// through two replicas on one NATS: exactly 2 pairs become active.
func TestConcurrentAcceptsNeverOversell(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 2, server.Options{})
	ctx := testutil.Context(t)
	pop := population(2, 50, 1)
	pop.mentors[0].Roles[0].Capacity = 2
	e.seed(ctx, pop)

	repo := e.pairRepo(ctx)
	now := e.clock.Now()
	mentor := pop.mentors[0].GetVolunteerId()
	var ids []string
	for _, n := range pop.newcomers {
		p := &pb.Pair{
			Id: proposal.ID("test", n.GetParticipantId(), mentor), JobId: "test", OrganisationId: orgA,
			MunicipalityCode: n.GetMunicipalityCode(), ParticipantId: n.GetParticipantId(), VolunteerId: mentor,
			Status: eventsv1.PairStatus_PAIR_STATUS_OFFERED, ProposeTime: timestamppb.New(now), OfferTime: timestamppb.New(now),
			OfferExpireTime: timestamppb.New(now.Add(time.Hour)), NewcomerAcceptTime: timestamppb.New(now),
		}
		if _, err := repo.Create(ctx, p.GetId(), p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.GetId())
	}
	clients := []pb.MentoringServiceClient{e.replica(0, coordA), e.replica(1, coordA)}
	var mu sync.Mutex
	active, full := 0, 0
	var wg sync.WaitGroup
	for k, id := range ids {
		wg.Go(func() {
			res, err := clients[k%2].AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: id, Party: eventsv1.Party_PARTY_MENTOR})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && res.GetPair().GetStatus() == eventsv1.PairStatus_PAIR_STATUS_ACTIVE:
				active++
			case code(err) == 9:
				full++
			default:
				t.Errorf("accept %s: %v", id, err)
			}
		})
	}
	wg.Wait()
	if active != 2 || full != 48 {
		t.Fatalf("active %d, refused %d; want 2 and 48", active, full)
	}
	for k := range clients {
		res, err := clients[k].ListPairs(ctx, &pb.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_ACTIVE}})
		if err != nil {
			t.Fatal(err)
		}
		testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
			res, err = clients[k].ListPairs(ctx, &pb.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_ACTIVE}})
			if err != nil {
				return err
			}
			if res.GetTotalSize() != 2 {
				return errorf("replica %d lists %d active pairs, want 2", k, res.GetTotalSize())
			}
			return nil
		})
	}
	// Ending one frees a slot for another.
	var activeID string
	for _, id := range ids {
		got, err := clients[0].GetPair(ctx, &pb.GetPairRequest{Id: id})
		if err == nil && got.GetPair().GetStatus() == eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
			activeID = id
			break
		}
	}
	if _, err := clients[1].EndPair(ctx, &pb.EndPairRequest{Id: activeID, Reason: eventsv1.EndReason_END_REASON_COMPLETED}); err != nil {
		t.Fatal(err)
	}
	// The pair still active is left out: the mentor's acceptance sent
	// again there stands (OK) and takes nothing more (ADR 0273).
	took := 0
	for _, id := range ids {
		if got, err := clients[0].GetPair(ctx, &pb.GetPairRequest{Id: id}); err == nil && got.GetPair().GetStatus() == eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
			continue
		}
		if _, err := clients[0].AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: id, Party: eventsv1.Party_PARTY_MENTOR}); err == nil {
			took++
		}
	}
	if took != 1 {
		t.Fatalf("after ending one pair %d more became active, want 1", took)
	}
}
