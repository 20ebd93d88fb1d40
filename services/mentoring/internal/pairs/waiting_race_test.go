package pairs

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
)

// TestWaitingConcurrentPagesAndLeavers pages the waiting list of three
// scopes from several goroutines while the pool changes under them
// (newcomers change, arrive and are erased) and the pairs change, as the
// consumers and the gRPC server do at once. Under -race it proves the
// kept lists and the records they share with the pool's index are only
// read; afterwards no kept list may hold anyone erased (ADR 0176), and
// every page a reader got was in order (review, ADR 0181).
func TestWaitingConcurrentPagesAndLeavers(t *testing.T) {
	t.Parallel()
	newcomers, mentors, pairs := waitingStores(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	munis := []string{"0180", "0181", "0182"}
	newcomer := func(i int) *pb.PoolNewcomer {
		at := timestamppb.New(base.Add(time.Duration(i%50) * time.Hour))
		return &pb.PoolNewcomer{ParticipantId: fmt.Sprintf("p-%03d", i), OrganisationId: "org-a", MunicipalityCode: munis[i%len(munis)],
			Interests: []string{"football"}, ConsentTime: at, RegisterTime: at}
	}
	var rev uint64
	var revMu sync.Mutex
	put := func(id string, n *pb.PoolNewcomer) {
		revMu.Lock() // the feed Puts from one goroutine at a time
		defer revMu.Unlock()
		rev++
		newcomers.Put(id, n, rev)
	}
	for i := range 150 {
		put(fmt.Sprintf("p-%03d", i), newcomer(i))
	}
	s := New(Deps{Repo: pairs, Pool: &pool.Pool{Newcomers: newcomers, Mentors: mentors}})
	callers := []auth.Claims{{Role: auth.RoleAdmin}}
	for _, m := range munis {
		callers = append(callers, auth.Claims{Role: auth.RoleCoordinator, Organisation: "org-a", Municipalities: []string{m}})
	}

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for r := range 6 {
		who := callers[r%len(callers)]
		wg.Go(func() {
			for range 40 {
				token, prev := "", waiter{}
				for {
					rows, next, _, err := s.ListWaiting(context.Background(), who, 7, token)
					if err != nil {
						errs <- err
						return
					}
					for _, w := range rows {
						cur := waiter{n: &pb.PoolNewcomer{ParticipantId: w.GetParticipantId()}, since: w.GetWaitStartTime().AsTime()}
						if prev.n != nil && compareWaiter(prev, cur) >= 0 {
							errs <- fmt.Errorf("%s's page: %s after %s", who.Role, w.GetParticipantId(), prev.n.GetParticipantId())
						}
						prev = cur
					}
					if next == "" {
						break
					}
					token = next
				}
			}
		})
	}
	// The feed: changes, erasures of every tenth newcomer, new arrivals.
	wg.Go(func() {
		for i := range 150 {
			id := fmt.Sprintf("p-%03d", i)
			switch {
			case i%10 == 0:
				put(id, &pb.PoolNewcomer{ParticipantId: id, Gone: true, Erased: true})
			default:
				n := newcomer(i)
				n.Interests = []string{"chess"}
				put(id, n)
			}
			put(fmt.Sprintf("p-%03d", 150+i), newcomer(150+i))
		}
	})
	// The pairs: a proposal for every seventh newcomer.
	wg.Go(func() {
		for i := 0; i < 300; i += 7 {
			pairs.Put(fmt.Sprintf("pair-%03d", i), &pb.Pair{Id: fmt.Sprintf("pair-%03d", i), ParticipantId: fmt.Sprintf("p-%03d", i),
				Status: eventsv1.PairStatus_PAIR_STATUS_PROPOSED}, uint64(i+1))
		}
	})
	wg.Wait()

	// Every scope keeps a list; then newcomers of 0180 are erased while
	// 0182 (alone) pages on: the lists of 0180 and the administrator's,
	// which page no more, must not keep them.
	for _, who := range callers {
		if _, _, _, err := s.ListWaiting(context.Background(), who, 7, ""); err != nil {
			t.Fatal(err)
		}
	}
	erased := map[string]bool{}
	for i := 300; i < 330; i += 3 { // munis[i%3] is 0180
		id := fmt.Sprintf("p-%03d", i)
		put(id, newcomer(i))
		erased[id] = true
	}
	for _, who := range callers[:2] {
		if _, _, _, err := s.ListWaiting(context.Background(), who, 7, ""); err != nil {
			t.Fatal(err)
		}
	}
	wg.Go(func() {
		for range 40 {
			if _, _, _, err := s.ListWaiting(context.Background(), callers[3], 7, ""); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for id := range erased {
			put(id, &pb.PoolNewcomer{ParticipantId: id, Gone: true, Erased: true})
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for id := range keptWaiting(s) {
		var i int
		if _, err := fmt.Sscanf(id, "p-%d", &i); err == nil && (erased[id] || i < 150 && i%10 == 0) {
			t.Errorf("a kept list holds the erased %s", id)
		}
	}
}
