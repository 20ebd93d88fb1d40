package pairs

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
)

// keptWaiting is every newcomer id the kept waiting lists hold.
func keptWaiting(s *Service) map[string]bool {
	s.waitCache.mu.Lock()
	defer s.waitCache.mu.Unlock()
	out := map[string]bool{}
	for _, l := range s.waitCache.lists {
		for _, w := range l.all {
			out[w.n.GetParticipantId()] = true
		}
	}
	return out
}

// TestWaitingKeptListsForgetWhoLeft: a kept waiting list holds its
// newcomers' pool records (languages, gender, interests, consent time).
// When one leaves the pool (erased, deleted, consent withdrawn) the pool
// keeps only a tombstone, so no kept list may hold their record on, not
// until that scope's next page (never, for a scope that pages no more);
// a newcomer who stays and changes leaves the lists to the version check
// (ADR 0176).
func TestWaitingKeptListsForgetWhoLeft(t *testing.T) {
	t.Parallel()
	newcomers, mentors, pairs := waitingStores(t)
	at := timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for i, id := range []string{"p-1", "p-2", "p-3"} {
		newcomers.Put(id, &pb.PoolNewcomer{ParticipantId: id, OrganisationId: "org-a", MunicipalityCode: "0180",
			Interests: []string{"football"}, ConsentTime: at, RegisterTime: at}, uint64(i+1))
	}
	s := New(Deps{Repo: pairs, Pool: &pool.Pool{Newcomers: newcomers, Mentors: mentors}})
	coord := auth.Claims{Role: auth.RoleCoordinator, Organisation: "org-a", Municipalities: []string{"0180"}}
	admin := auth.Claims{Role: auth.RoleAdmin}
	for _, who := range []auth.Claims{coord, admin} {
		if all, err := s.waiting(context.Background(), who); err != nil || len(all) != 3 {
			t.Fatalf("%s's list: %d rows, %v; want 3", who.Role, len(all), err)
		}
	}
	if kept := keptWaiting(s); !kept["p-2"] {
		t.Fatalf("no list kept: %v", kept)
	}

	// A change of a newcomer who stays: the lists are left to the version
	// check (a registration must not cost every scope its list).
	newcomers.Put("p-1", &pb.PoolNewcomer{ParticipantId: "p-1", OrganisationId: "org-a", MunicipalityCode: "0180",
		Interests: []string{"chess"}, ConsentTime: at, RegisterTime: at}, 4)
	if kept := keptWaiting(s); !kept["p-2"] {
		t.Errorf("a change of p-1 dropped the kept lists: %v", kept)
	}

	// p-2 is erased: the pool keeps a tombstone, and no list may keep
	// their record.
	newcomers.Put("p-2", &pb.PoolNewcomer{ParticipantId: "p-2", Gone: true, Erased: true}, 5)
	if kept := keptWaiting(s); kept["p-2"] {
		t.Errorf("after p-2's erasure the kept lists still hold their pool record: %v", kept)
	}
	all, err := s.waiting(context.Background(), coord)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range all {
		if w.n.GetParticipantId() == "p-2" {
			t.Error("the coordinator's list still has the erased p-2")
		}
	}
	if len(all) != 2 {
		t.Errorf("the coordinator's list has %d rows after the erasure, want 2", len(all))
	}
}
