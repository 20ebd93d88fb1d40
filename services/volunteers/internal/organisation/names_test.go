package organisation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/cache"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// namedReplica is one replica of the organisation register with its
// name claims, on js, as services/volunteers/server wires it; hooks (may
// be nil) are its store's.
func namedReplica(t *testing.T, n *testutil.NATS, hooks *store.Hooks) (*Service, *Names) {
	t.Helper()
	ctx := testutil.Context(t)
	names, err := OpenNames(ctx, n.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := RepoConfig(nil)
	cfg.Hooks = hooks
	names.Check(&cfg)
	repo, err := store.Open(ctx, n.JS, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(repo.Close)
	names.Bind(repo)
	s := New(repo, cache.New(cache.NewMemory(100), cache.Options{Name: "organisations"}), time.Now, ids.UUIDv7{}, nil)
	s.CheckNames(names)
	return s, names
}

func association(name string) *pb.Organisation {
	return &pb.Organisation{Name: name, Type: pb.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}
}

// liveNamed counts the live organisations named name (as normalised)
// in s's index, synced.
func liveNamed(t *testing.T, s *Service, name string) int {
	t.Helper()
	if err := s.repo.Sync(testutil.Context(t)); err != nil {
		t.Fatal(err)
	}
	p, err := s.repo.Find(store.Query[*pb.Organisation]{Index: nameIndex, Values: []string{NameKey(name)}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Items)
}

// TestNameClaimTakenOverInFlightHasOneWinner is ADR 0258's "not done"
// (ADR 0263): replica A's create claims the name and stalls before its
// record is written; replica B's create finds the claim's holder in no
// record, takes it over and stalls after its claim; A's record is then
// stored and stalls before its check; B writes and checks its record
// while A's stands unchecked in the index; then A checks. Before, B's
// check saw A's record and refused, and A's saw B's claim and refused:
// both callers told AlreadyExists, no organisation. Now exactly one
// stands and the other caller is told AlreadyExists.
func TestNameClaimTakenOverInFlightHasOneWinner(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	aStored, aGo := make(chan struct{}), make(chan struct{})
	var once sync.Once
	a, namesA := namedReplica(t, n, &store.Hooks{AfterRecord: func(string) error {
		once.Do(func() { close(aStored); <-aGo })
		return nil
	}})
	b, namesB := namedReplica(t, n, nil)
	aClaimed, aWrite := make(chan struct{}), make(chan struct{})
	namesA.afterClaim = func() { close(aClaimed); <-aWrite }
	bClaimed, bWrite := make(chan struct{}), make(chan struct{})
	namesB.afterClaim = func() { close(bClaimed); <-bWrite }
	// B takes A's claim over at once, as if A's create had outlived
	// claimInFlight (ADR 0271): B waits for a younger claim.
	var now time.Duration
	namesB.inFlight = &now

	const name = "Kalmar Läxhjälp"
	errs := make(chan error, 2)
	go func() { _, err := a.Create(ctx, admin, association(name), ""); errs <- err }()
	<-aClaimed
	go func() { _, err := b.Create(ctx, admin, association(name), ""); errs <- err }()
	<-bClaimed // B took the claim over from A, whose record is not written
	close(aWrite)
	<-aStored // A's record stored, not yet checked
	close(bWrite)
	errB := <-errs // B's record written and checked
	close(aGo)
	errA := <-errs

	winners, taken := 0, 0
	for _, err := range []error{errA, errB} {
		switch {
		case err == nil:
			winners++
		case apperr.ErrorCode(err) == apperr.AlreadyExists:
			taken++
		default:
			t.Errorf("create answered %v; want success or AlreadyExists", err)
		}
	}
	if winners != 1 || taken != 1 {
		t.Errorf("A: %v, B: %v; want one created and one told AlreadyExists", errA, errB)
	}
	if got := liveNamed(t, a, name); got != 1 {
		t.Errorf("%d organisations named %q; want 1", got, name)
	}
}

// TestConcurrentCreatesOverACrashedClaim: a claim left by a create that
// died before its record, then 6 creates of the name at once over two
// replicas, 5 rounds: each round exactly one organisation stands and
// every other caller is told AlreadyExists (ADR 0263).
func TestConcurrentCreatesOverACrashedClaim(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	a, namesA := namedReplica(t, n, nil)
	b, namesB := namedReplica(t, n, nil)
	// The crashed claim is taken over once older than this, rather than
	// claimInFlight (ADR 0271).
	died := 300 * time.Millisecond
	namesA.inFlight, namesB.inFlight = &died, &died
	kv, err := n.JS.KeyValue(ctx, NamesBucket)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		name := fmt.Sprintf("Kalmar Läxhjälp %d", round)
		if _, err := kv.Put(ctx, NameKey(name), []byte(ids.UUIDv7{}.New())); err != nil { // the crashed create's
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Create(context.WithoutCancel(ctx), admin, association(name), "")
			}()
		}
		wg.Wait()
		winners := 0
		for _, err := range errs {
			switch {
			case err == nil:
				winners++
			case apperr.ErrorCode(err) != apperr.AlreadyExists && !errors.Is(err, context.Canceled):
				t.Errorf("round %d: create answered %v; want success or AlreadyExists", round, err)
			}
		}
		if got := liveNamed(t, b, name); winners != 1 || got != 1 {
			t.Errorf("round %d: %d creates answered OK, %d organisations stand; want 1 and 1 (answers %v)", round, winners, got, errs)
		}
	}
}

// TestConcurrentCreatesOfOneNameWaitForTheWinner: creates of one name at
// once over two replicas, each create's record a moment behind its claim
// (a write on its way, as between replicas of a deployment): exactly one
// stands and every other caller is told AlreadyExists. Before, a loser
// found the winner's claim with no record yet, took it over, and churned
// its 5 rounds against the winner: "could not be checked; try again"
// (Unavailable) for 4 of 10 losers under make up (ADR 0268, 0271).
func TestConcurrentCreatesOfOneNameWaitForTheWinner(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	a, namesA := namedReplica(t, n, nil)
	b, namesB := namedReplica(t, n, nil)
	var claims atomic.Int32
	onTheWay := func() { claims.Add(1); time.Sleep(20 * time.Millisecond) }
	namesA.afterClaim, namesB.afterClaim = onTheWay, onTheWay
	unavailable, takenOver := 0, 0
	for round := range 5 {
		name := fmt.Sprintf("Kalmar Språkcafé %d", round)
		claims.Store(0)
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Create(ctx, admin, association(name), "")
			}()
		}
		wg.Wait()
		winners := 0
		for _, err := range errs {
			switch {
			case err == nil:
				winners++
			case apperr.ErrorCode(err) == apperr.Unavailable:
				unavailable++
				t.Errorf("round %d: a loser was told %v; want AlreadyExists", round, err)
			case apperr.ErrorCode(err) != apperr.AlreadyExists:
				t.Errorf("round %d: create answered %v; want success or AlreadyExists", round, err)
			}
		}
		if got := liveNamed(t, b, name); winners != 1 || got != 1 {
			t.Errorf("round %d: %d creates answered OK, %d organisations stand; want 1 and 1", round, winners, got)
		}
		// The losers waited for the create in flight: one claim made,
		// none taken over from it.
		if c := int(claims.Load()); c != 1 {
			takenOver += c - 1
			t.Errorf("round %d: the name was claimed %d times; want once", round, c)
		}
	}
	t.Logf("of 55 losers %d told try again; %d claims taken over from a create in flight", unavailable, takenOver)
}
