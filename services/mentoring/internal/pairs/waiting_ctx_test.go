package pairs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
)

// waitingStores are the in-memory stores the waiting list reads: the
// pool's newcomers (by scope) and mentors, and the pairs (by newcomer).
func waitingStores(t testing.TB) (newcomers *store.Repo[*pb.PoolNewcomer], mentors *store.Repo[*pb.PoolMentor], pairs *store.Repo[*pb.Pair]) {
	t.Helper()
	sync0 := func(context.Context) error { return nil }
	newcomers, err := store.NewFed(store.Config[*pb.PoolNewcomer]{Bucket: "newcomers", New: func() *pb.PoolNewcomer { return &pb.PoolNewcomer{} },
		Indexes: map[string]func(*pb.PoolNewcomer) []string{"scope": func(n *pb.PoolNewcomer) []string {
			return []string{pool.ScopeKey(n.GetOrganisationId(), n.GetMunicipalityCode())}
		}}}, sync0)
	if err != nil {
		t.Fatal(err)
	}
	mentors, err = store.NewFed(store.Config[*pb.PoolMentor]{Bucket: "mentors", New: func() *pb.PoolMentor { return &pb.PoolMentor{} },
		Indexes: map[string]func(*pb.PoolMentor) []string{"scope": func(*pb.PoolMentor) []string { return nil }}}, sync0)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err = store.NewFed(store.Config[*pb.Pair]{Bucket: "pairs", New: func() *pb.Pair { return &pb.Pair{} },
		Indexes: map[string]func(*pb.Pair) []string{"participant": func(p *pb.Pair) []string { return []string{p.GetParticipantId()} }}}, sync0)
	if err != nil {
		t.Fatal(err)
	}
	return newcomers, mentors, pairs
}

// leavingCtx is a context whose caller leaves after it was asked
// `checks` times whether they are still there: it tells a walk that
// checks between rows from one that checks only at its start.
type leavingCtx struct {
	context.Context
	checks atomic.Int32
}

// Err is context.Canceled once the checks are used up.
func (c *leavingCtx) Err() error {
	if c.checks.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestWaitingHonoursItsContext (ADR 0182; ADR 0181 Left): ListWaiting
// walked the whole scope (an index lookup per newcomer) and answered a
// caller who had left. A caller gone before the call, or during the walk
// (after its first check), gets ctx's error and no list is kept; a
// caller who stays gets the whole list.
func TestWaitingHonoursItsContext(t *testing.T) {
	t.Parallel()
	newcomers, mentors, pairs := waitingStores(t)
	const many = 3*waitingCheckEvery + 1
	at := timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for i := range many {
		id := fmt.Sprintf("p-%04d", i)
		newcomers.Put(id, &pb.PoolNewcomer{ParticipantId: id, OrganisationId: "org-a", MunicipalityCode: "0180",
			ConsentTime: at, RegisterTime: at}, uint64(i+1))
	}
	s := New(Deps{Repo: pairs, Pool: &pool.Pool{Newcomers: newcomers, Mentors: mentors}})
	coord := auth.Claims{Role: auth.RoleCoordinator, Organisation: "org-a", Municipalities: []string{"0180"}}
	admin := auth.Claims{Role: auth.RoleAdmin}

	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
	}{
		{"left before the call", gone},
		{"left during the walk", &leavingCtx{Context: context.Background()}},
	} {
		for _, who := range []auth.Claims{coord, admin} {
			if l, ok := tc.ctx.(*leavingCtx); ok {
				l.checks.Store(1) // the walk's first check passes
			}
			rows, _, _, err := s.ListWaiting(tc.ctx, who, 10, "")
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s, %s: %d rows, %v; want context.Canceled", tc.name, who.Role, len(rows), err)
			}
		}
		if kept := keptWaiting(s); len(kept) > 0 {
			t.Errorf("%s: %d newcomers kept from a walk its caller left", tc.name, len(kept))
		}
	}
	rows, _, total, err := s.ListWaiting(context.Background(), coord, 10, "")
	if err != nil || len(rows) != 10 || total != many {
		t.Errorf("a caller who stays: %d rows of %d, %v; want 10 of %d", len(rows), total, err, many)
	}
}
