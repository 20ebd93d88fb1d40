package proposal_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func countEvents(ctx context.Context, t testing.TB, n *testutil.NATS, filter string) int {
	t.Helper()
	s, err := n.JS.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range info.State.Subjects {
		total += int(c)
	}
	return total
}

// TestKitLeaveReleases: a guest who leaves has their open offer withdrawn;
// a host who leaves ends their active seating early (reason "left") and
// gives the guest's place back; an erased guest's seatings are erased,
// the host's seats given back and the guest's own counter forgotten.
func TestKitLeaveReleases(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	for _, h := range []string{"h-1", "h-2", "h-3"} {
		rg.setSeats(h, 4)
	}
	open := rg.offer(ctx, t, "g-1", "h-1", 2)
	ended := rg.offer(ctx, t, "g-2", "h-2", 2)
	erased := rg.offer(ctx, t, "g-3", "h-3", 3)
	for _, id := range []string{ended, erased} {
		if _, err := rg.life.Accept(ctx, kitCoord, id, host); err != nil {
			t.Fatal(err)
		}
	}
	if used, _ := rg.slots.Used(ctx, "h-3"); used != 3 {
		t.Fatalf("h-3 has %d seats taken, want 3", used)
	}
	if err := rg.life.Leave(ctx, guest, "g-1", false); err != nil {
		t.Fatal(err)
	}
	if err := rg.life.Leave(ctx, host, "h-2", false); err != nil {
		t.Fatal(err)
	}
	if err := rg.life.Leave(ctx, guest, "g-3", true); err != nil {
		t.Fatal(err)
	}
	if st := rg.status(ctx, t, open); st != proposal.Withdrawn {
		t.Errorf("open offer of a leaver: %s, want withdrawn", st)
	}
	r, _, err := rg.repo.Get(ctx, ended)
	if err != nil || seatingState(r).Status != proposal.Ended || str(r, "reason") != "left" {
		t.Errorf("active seating of a leaving host: %v, %v; want ended, reason left", r, err)
	}
	if _, _, err := rg.repo.Get(ctx, erased); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("seating of an erased guest: %v, want NotFound", err)
	}
	for _, res := range []string{"h-2", "g-2", "h-3", "g-3"} {
		if h, err := rg.slots.Holders(ctx, res); err != nil || len(h) != 0 {
			t.Errorf("%s still held by %v (%v)", res, h, err)
		}
	}
	if err := rg.life.Leave(ctx, "cook", "g-1", false); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("leave as an unknown party: %v, want Invalid", err)
	}
	// Only the erasure event names the erased seating on the stream once
	// the purge hooks ran; here (no hooks) it must at least be there.
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if n := countEvents(ctx, t, n, "kit.seating.erased."+erased); n != 1 {
			return fmt.Errorf("%d erased events, want 1", n)
		}
		return nil
	})
}

// kitState renders every seating (people, status, reason) and every seat
// counter's holders, without times.
func kitState(ctx context.Context, t testing.TB, rg *rig, resources []string) map[string]string {
	t.Helper()
	if err := rg.repo.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	page, err := rg.repo.Find(store.Query[seating]{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Items {
		out["seating/"+str(r, "guest")+"/"+str(r, "host")] = fmt.Sprintf("%s reason=%s", seatingState(r).Status, str(r, "reason"))
	}
	for _, res := range resources {
		h, err := rg.slots.Holders(ctx, res)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(h)
		out["seats/"+res] = strings.Join(h, ",")
	}
	return out
}

// TestKitReplay: with seatings proposed, offered and active, a history of
// people leaving and being erased, with expiry sweeps between, applied
// once or with every step repeated 1 to 5 times and then all again, leaves
// the same seatings and seat counters.
func TestKitReplay(t *testing.T) {
	t.Parallel()
	type step struct {
		party, person string
		erased, sweep bool
	}
	hist := []step{
		{party: guest, person: "g-00"}, {sweep: true}, {party: host, person: "h-1"},
		{party: guest, person: "g-03", erased: true}, {sweep: true}, {party: guest, person: "g-05"},
		{party: host, person: "h-2", erased: true}, {party: guest, person: "g-07", erased: true}, {sweep: true},
	}
	r := rand.New(rand.NewPCG(5, 5))
	var replay []step
	for _, s := range hist {
		for range 1 + r.IntN(5) {
			replay = append(replay, s)
		}
	}
	replay = append(replay, hist...)
	var resources []string
	for k := range 10 {
		resources = append(resources, fmt.Sprintf("g-%02d", k))
	}
	resources = append(resources, "h-0", "h-1", "h-2")

	var states [2]map[string]string
	for k, steps := range [][]step{hist, replay} {
		ctx := testutil.Context(t)
		c := testutil.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
		rg := newRig(ctx, t, testutil.MustNATS(t).JS, rigOptions{now: c.Now})
		for _, h := range []string{"h-0", "h-1", "h-2"} {
			rg.setSeats(h, 3)
		}
		for g := range 10 {
			gid, h := fmt.Sprintf("g-%02d", g), fmt.Sprintf("h-%d", (g/2)%3)
			switch g % 3 {
			case 0:
				rg.propose(ctx, t, gid, h, 1)
			case 1:
				rg.offer(ctx, t, gid, h, 1)
			default:
				id := rg.offer(ctx, t, gid, h, 1)
				if _, err := rg.life.Accept(ctx, kitCoord, id, host); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The offers still open lapse before the sweeps run.
		c.Add(8 * 24 * time.Hour)
		for _, s := range steps {
			if s.sweep {
				rg.life.ExpireOffers(ctx)
				continue
			}
			if err := rg.life.Leave(ctx, s.party, s.person, s.erased); err != nil {
				t.Fatal(err)
			}
		}
		states[k] = kitState(ctx, t, rg, resources)
	}
	if len(states[0]) < 15 {
		t.Fatalf("state has %d entries; the test needs seatings and counters", len(states[0]))
	}
	if diff := cmp.Diff(states[0], states[1]); diff != "" {
		t.Errorf("after replay (-once +replayed):\n%s", diff)
	}
	for _, want := range []string{"ended reason=left", "withdrawn", "expired"} {
		found := false
		for _, v := range states[0] {
			found = found || strings.HasPrefix(v, want)
		}
		if !found {
			t.Errorf("no seating is %q; the history does not exercise it: %v", want, states[0])
		}
	}
}
