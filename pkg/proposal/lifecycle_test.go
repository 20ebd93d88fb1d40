package proposal_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestKitFlow takes one seating through its life on the kit and checks
// create-once proposing, scope, validation, capacity taken and given back.
func TestKitFlow(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	rg.setSeats("h-1", 4)
	id := rg.propose(ctx, t, "g-1", "h-1", 3)
	again := newSeating("g-1", "h-1", 2)
	got, created, err := rg.life.Propose(ctx, id, again, "")
	if err != nil || created || num(got, "units") != 3 {
		t.Fatalf("proposing again: created %v, units %d, %v; want the first record", created, num(got, "units"), err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, id, guest); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("accept before approval: %v, want FailedPrecondition", err)
	}
	other := auth.Claims{Subject: "u-o", Role: auth.RoleCoordinator, Organisation: "org-o", Municipalities: []string{kitMuni}}
	for _, tc := range []struct {
		who  auth.Claims
		id   string
		want apperr.Code
	}{
		{other, id, apperr.NotFound},
		{auth.Claims{Subject: "u-op", Role: auth.RoleOperator}, id, apperr.PermissionDenied},
		{kitCoord, "no/id", apperr.Invalid},
	} {
		if _, err := rg.life.Approve(ctx, tc.who, tc.id); apperr.ErrorCode(err) != tc.want {
			t.Errorf("approve %s as %s: %v, want %s", tc.id, tc.who.Subject, err, tc.want)
		}
	}
	if _, err := rg.life.Accept(ctx, kitCoord, id, "cook"); apperr.ErrorCode(err) != apperr.Invalid ||
		len(apperr.Violations(err)) != 1 || apperr.Violations(err)[0].Field != "party" {
		t.Fatalf("accept by an unknown party: %v, want a field violation on party", err)
	}
	if _, err := rg.life.Approve(ctx, kitCoord, id); err != nil {
		t.Fatal(err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, id, host); err != nil {
		t.Fatal(err)
	}
	if used, _ := rg.slots.Used(ctx, "h-1"); used != 0 {
		t.Fatalf("one acceptance took %d seats, want none yet", used)
	}
	r, err := rg.life.Accept(ctx, kitCoord, id, guest)
	if err != nil || seatingState(r).Status != proposal.Active || str(r, "seated_by") != guest {
		t.Fatalf("completing accept: %v, %v", r, err)
	}
	if used, _ := rg.slots.Used(ctx, "h-1"); used != 3 {
		t.Fatalf("host has %d seats taken, want 3", used)
	}
	// A party of 2 does not fit in the one seat left.
	big := rg.offer(ctx, t, "g-2", "h-1", 2)
	if _, err := rg.life.Accept(ctx, kitCoord, big, host); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("party of 2 on 1 free seat: %v, want FailedPrecondition", err)
	}
	if h, _ := rg.slots.Holders(ctx, "g-2"); len(h) != 0 {
		t.Fatalf("refused party still holds its own place: %v", h)
	}
	if r, err := rg.life.End(ctx, kitCoord, id, 7); err != nil || str(r, "reason") != "7" {
		t.Fatalf("end: %v, %v", r, err)
	}
	if used, _ := rg.slots.Used(ctx, "h-1"); used != 0 {
		t.Fatalf("host has %d seats taken after the end, want 0", used)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, big, host); err != nil {
		t.Fatalf("party of 2 after the end: %v", err)
	}
}

// acceptAll has the host accept every id at once through the replicas and
// returns the ids that became active; every other must fail for want of
// seats.
func acceptAll(t *testing.T, rigs []*rig, ids []string) []string {
	t.Helper()
	ctx := testutil.Context(t)
	var mu sync.Mutex
	var won []string
	var wg sync.WaitGroup
	for k, id := range ids {
		wg.Go(func() {
			r, err := rigs[k%len(rigs)].life.Accept(ctx, kitCoord, id, host)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && seatingState(r).Status == proposal.Active:
				won = append(won, id)
			case apperr.ErrorCode(err) == apperr.FailedPrecondition:
			default:
				t.Errorf("accept %s: %v", id, err)
			}
		})
	}
	wg.Wait()
	slices.Sort(won)
	return won
}

// twoReplicas opens two replicas of the programme on one NATS, each with
// its own connection, both knowing host h with n seats.
func twoReplicas(t *testing.T, h string, n int) []*rig {
	ctx := testutil.Context(t)
	nt := testutil.MustNATS(t)
	var rigs []*rig
	for range 2 {
		_, js := nt.Connect(t)
		rg := newRig(ctx, t, js, rigOptions{})
		rg.setSeats(h, n)
		rigs = append(rigs, rg)
	}
	return rigs
}

// TestKitConcurrentAcceptsNeverOversell: 50 guests accepted by a host with
// 2 seats, all at once through two replicas: exactly 2 are seated, and
// the counter holds exactly them.
func TestKitConcurrentAcceptsNeverOversell(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	rigs := twoReplicas(t, "h-1", 2)
	var ids []string
	for k := range 50 {
		ids = append(ids, rigs[k%2].offer(ctx, t, fmt.Sprintf("g-%02d", k), "h-1", 1))
	}
	won := acceptAll(t, rigs, ids)
	if len(won) != 2 {
		t.Fatalf("%d seated, want exactly 2", len(won))
	}
	h, err := rigs[0].slots.Holders(ctx, "h-1")
	slices.Sort(h)
	if err != nil || !slices.Equal(h, won) {
		t.Fatalf("host's holders %v (%v), want the winners %v", h, err, won)
	}
	for _, id := range ids {
		if st := rigs[1].status(ctx, t, id); (st == proposal.Active) != slices.Contains(won, id) {
			t.Errorf("%s is %s", id, st)
		}
	}
}

// TestKitPartySizesOnLastSeats: a host with 5 seats has a party of 1
// seated; then parties of 2 and 3 race for the 4 seats left through two
// replicas. The seated never exceed 5, the counter matches the seated
// parties, and every refused party was too big for what was left.
func TestKitPartySizesOnLastSeats(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	for round := range 3 {
		h := fmt.Sprintf("h-%d", round)
		rigs := twoReplicas(t, h, 5)
		first := rigs[0].offer(ctx, t, "g-first", h, 1)
		if _, err := rigs[0].life.Accept(ctx, kitCoord, first, host); err != nil {
			t.Fatal(err)
		}
		units := map[string]int{first: 1}
		var ids []string
		for k := range 16 {
			size := 2 + k%2
			id := rigs[k%2].offer(ctx, t, fmt.Sprintf("g-%02d", k), h, size)
			ids = append(ids, id)
			units[id] = size
		}
		won := acceptAll(t, rigs, ids)
		total := 1
		for _, id := range won {
			total += units[id]
		}
		used, err := rigs[1].slots.Used(ctx, h)
		if err != nil || total > 5 || used != total {
			t.Fatalf("round %d: seated %d guests (counter %d, %v), never more than 5", round, total, used, err)
		}
		for _, id := range ids {
			if !slices.Contains(won, id) && total+units[id] <= 5 {
				t.Errorf("round %d: party of %d refused with %d seats free", round, units[id], 5-total)
			}
		}
	}
}

// TestKitExpirySweep: an offer nobody completes is expired by the sweep
// once its time is up, once however many replicas sweep, and then cannot
// be accepted.
func TestKitExpirySweep(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	nt := testutil.MustNATS(t)
	c := testutil.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	rigs := []*rig{newRig(ctx, t, nt.JS, rigOptions{now: c.Now})}
	_, js := nt.Connect(t)
	rigs = append(rigs, newRig(ctx, t, js, rigOptions{now: c.Now}))
	rigs[0].setSeats("h-1", 2)
	id := rigs[0].offer(ctx, t, "g-1", "h-1", 1)
	c.Add(6 * 24 * time.Hour)
	rigs[0].life.ExpireOffers(ctx)
	if st := rigs[0].status(ctx, t, id); st != proposal.Offered {
		t.Fatalf("after 6 of 7 days: %s, want offered", st)
	}
	c.Add(24 * time.Hour)
	for _, rg := range rigs {
		rg.life.ExpireOffers(ctx)
	}
	if st := rigs[1].status(ctx, t, id); st != proposal.Expired {
		t.Fatalf("after 7 days: %s, want expired", st)
	}
	if _, err := rigs[1].life.Accept(ctx, kitCoord, id, host); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("accepting an expired offer: %v, want FailedPrecondition", err)
	}
	// The two sweeps published one expired event (same id, deduplicated).
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if n := countEvents(ctx, t, nt, "kit.seating.expired.>"); n != 1 {
			return fmt.Errorf("%d expired events, want 1", n)
		}
		return nil
	})
}

// TestKitIntentsSettle: every completing accept writes and settles an
// intent; none stays pending, and the bucket keeps settled markers for a
// bounded time, so the recovery sweep's listing stays small.
func TestKitIntentsSettle(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	rg.setSeats("h-1", 10)
	for k := range 5 {
		id := rg.offer(ctx, t, fmt.Sprintf("g-%d", k), "h-1", 1)
		if _, err := rg.life.Accept(ctx, kitCoord, id, host); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := n.JS.KeyValue(ctx, "kit_seats_intents")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys.Keys() {
		t.Errorf("intent %s still pending after its accept", k)
	}
	st, err := kv.Status(ctx)
	if err != nil || st.TTL() != proposal.IntentsTTL {
		t.Fatalf("intents bucket keeps entries %v (%v), want %v", st.TTL(), err, proposal.IntentsTTL)
	}
}

// TestKitLive lists a person's open and active proposals, not final ones.
func TestKitLive(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	rg := newRig(ctx, t, testutil.MustNATS(t).JS, rigOptions{})
	rg.setSeats("h-1", 5)
	proposed := rg.propose(ctx, t, "g-1", "h-1", 1)
	active := rg.offer(ctx, t, "g-2", "h-1", 1)
	if _, err := rg.life.Accept(ctx, kitCoord, active, host); err != nil {
		t.Fatal(err)
	}
	declined := rg.offer(ctx, t, "g-3", "h-1", 1)
	if _, err := rg.life.Decline(ctx, kitCoord, declined, host, 2); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		live, err := rg.life.Live(host, "h-1")
		if err != nil {
			return err
		}
		var got []string
		for _, r := range live {
			got = append(got, str(r, "id"))
		}
		slices.Sort(got)
		want := []string{proposed, active}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("live %v, want %v", got, want)
		}
		return nil
	})
	if _, err := rg.life.Live("cook", "h-1"); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("live of an unknown party: %v, want Invalid", err)
	}
}

// TestKitCompositeResource: capacity keyed by more than a person, as a
// guide organisation's places per municipality and language: two
// proposals on the key "org-g_0180_ar" with 1 place seat one, and a
// proposal on the same organisation's Arabic places in another
// municipality is not affected.
func TestKitCompositeResource(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	rg := newRig(ctx, t, testutil.MustNATS(t).JS, rigOptions{})
	rg.setSeats("org-g_0180_ar", 1)
	rg.setSeats("org-g_0380_ar", 1)
	a := rg.offer(ctx, t, "g-1", "org-g_0180_ar", 1)
	b := rg.offer(ctx, t, "g-2", "org-g_0180_ar", 1)
	c := rg.offer(ctx, t, "g-3", "org-g_0380_ar", 1)
	if _, err := rg.life.Accept(ctx, kitCoord, a, host); err != nil {
		t.Fatal(err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, b, host); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("second on a full key: %v, want FailedPrecondition", err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, c, host); err != nil {
		t.Fatalf("another municipality's places: %v", err)
	}
}

// TestKitSameAcceptTwiceAtOnce: the completing acceptance sent twice at
// once (a double click, a client's retry) on two replicas activates the
// seating once and takes its seats once; the other call is told it
// stands, or to try again while the first is in flight, never refused
// (ADR 0273; it was FailedPrecondition "the host has already accepted").
func TestKitSameAcceptTwiceAtOnce(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	rigs := twoReplicas(t, "h-1", 5)
	for k := range 10 {
		id := rigs[0].offer(ctx, t, fmt.Sprintf("g-%d", k), "h-1", 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() { _, errs[i] = rigs[i].life.Accept(ctx, kitCoord, id, host) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch code := apperr.ErrorCode(err); {
			case err == nil:
				ok++
			case code != apperr.Unavailable:
				t.Errorf("accept %d: %v, want OK or Unavailable", k, err)
			}
		}
		if ok < 1 || rigs[1].status(ctx, t, id) != proposal.Active {
			t.Fatalf("round %d: %d accepts succeeded (%v), want at least 1 and an active seating", k, ok, errs)
		}
		used, _ := rigs[0].slots.Used(ctx, "h-1")
		if used != 2 {
			t.Fatalf("round %d: %d seats taken, want 2", k, used)
		}
		if _, err := rigs[0].life.End(ctx, kitCoord, id, 1); err != nil {
			t.Fatal(err)
		}
	}
}
