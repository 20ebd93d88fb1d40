package proposal_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// The kit's own test programme, "seating": a guest party of some size is
// seated at a host's dinner. The host's seats are the capacity (a party of
// 3 takes 3), and each guest party has one place. Records are
// structpb.Struct, so the kit is tested with no programme's types.

const (
	guest   = "guest"
	host    = "host"
	kitOrg  = "org-k"
	kitMuni = "0180"
	bucket  = "kit_seatings"
	seats   = "kit_seats"
	stream  = "KIT"
)

var kitCoord = auth.Claims{Subject: "u-k", Role: auth.RoleCoordinator, Organisation: kitOrg, Municipalities: []string{kitMuni}}

// seating is a record of the test programme.
type seating = *structpb.Struct

func str(r seating, k string) string { return r.GetFields()[k].GetStringValue() }
func num(r seating, k string) int    { return int(r.GetFields()[k].GetNumberValue()) }
func set(r seating, k string, v any) {
	if r.Fields == nil {
		r.Fields = map[string]*structpb.Value{}
	}
	val, err := structpb.NewValue(v)
	if err != nil {
		panic(err)
	}
	r.Fields[k] = val
}

func timeOf(r seating, k string) (time.Time, bool) {
	s := str(r, k)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// newSeating is an offered (or, with ttl 0, proposed) seating of guest
// party g of size units at host h.
func newSeating(g, h string, units int) seating {
	r := &structpb.Struct{}
	set(r, "guest", g)
	set(r, "host", h)
	set(r, "units", float64(units))
	set(r, "org", kitOrg)
	set(r, "muni", kitMuni)
	return r
}

// rig is one replica of the seating programme.
type rig struct {
	repo  *store.Repo[seating]
	slots *proposal.Slots
	life  *proposal.Lifecycle[seating]
	// seats per host; a host not here has left.
	mu    sync.Mutex
	seats map[string]int
}

type rigOptions struct {
	now   func() time.Time
	grace time.Duration
	hooks *proposal.Hooks
}

// newRig opens a replica on js.
func newRig(ctx context.Context, tb testing.TB, js jetstream.JetStream, o rigOptions) *rig {
	tb.Helper()
	if err := events.EnsureStream(ctx, js, events.StreamConfig{Name: stream, Subjects: []string{"kit.>"}}); err != nil {
		tb.Fatal(err)
	}
	repo, err := store.Open(ctx, js, store.Config[seating]{
		Bucket: bucket, New: func() seating { return &structpb.Struct{} }, Publisher: events.NewPublisher(js),
		Indexes: map[string]func(seating) []string{
			guest: func(r seating) []string { return []string{str(r, "guest")} },
			host:  func(r seating) []string { return []string{str(r, "host")} },
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(repo.Close)
	slots, err := proposal.OpenSlots(ctx, js, seats, 1, o.now)
	if err != nil {
		tb.Fatal(err)
	}
	rg := &rig{repo: repo, slots: slots, seats: map[string]int{}}
	rg.life = proposal.NewLifecycle(proposal.Programme[seating]{
		Name:       "seating",
		Repo:       repo,
		IDOf:       func(r seating) string { return str(r, "id") },
		Slots:      slots,
		Parties:    []string{guest, host},
		PartyIndex: map[string]string{guest: guest, host: host},
		State:      seatingState,
		SetState:   setSeatingState,
		Visible:    func(who auth.Claims, r seating) bool { return who.CanSee(str(r, "org"), str(r, "muni")) },
		MayChange: func(who auth.Claims) error {
			if who.Role == auth.RoleOperator {
				return apperr.Errorf(apperr.PermissionDenied, "operators may not seat guests")
			}
			return nil
		},
		Claims: func(r seating) []proposal.Claim {
			return []proposal.Claim{
				{Resource: str(r, "host"), Units: num(r, "units"), What: "host"},
				{Resource: str(r, "guest"), Units: 1, What: "guest"},
			}
		},
		Capacity: func(_ context.Context, r seating, c proposal.Claim) (int, error) {
			if c.What == "guest" {
				return 1, nil
			}
			rg.mu.Lock()
			defer rg.mu.Unlock()
			n, ok := rg.seats[c.Resource]
			if !ok {
				return 0, apperr.Errorf(apperr.FailedPrecondition, "the host no longer hosts")
			}
			return n, nil
		},
		OfferTTL: func(seating) time.Duration { return 7 * 24 * time.Hour },
		Stamp: func(r seating, ch proposal.Change) {
			set(r, "updated_by", ch.By)
			switch ch.Kind {
			case proposal.KindEnded, proposal.KindDeclined, proposal.KindRejected:
				reason := fmt.Sprint(ch.Reason)
				if ch.Left {
					reason = "left"
				}
				set(r, "reason", reason)
			case proposal.KindActivated:
				set(r, "seated_by", ch.Party)
			}
		},
		Event: func(r seating, ch proposal.Change) (*eventsv1.Envelope, error) {
			id := str(r, "id")
			return events.NewEnvelope(ch.EventID, "kit.seating."+ch.Kind.String(), id, ch.Now,
				&structpb.Struct{Fields: map[string]*structpb.Value{"id": structpb.NewStringValue(id)}})
		},
		Now:    o.now,
		IDs:    ids.UUIDv7{},
		Grace:  o.grace,
		Hooks:  o.hooks,
		Logger: nil,
	})
	return rg
}

func seatingState(r seating) proposal.State {
	st := proposal.State{Status: proposal.Status(num(r, "status")), Parties: []string{guest, host}, Accepted: map[string]time.Time{}}
	for _, p := range st.Parties {
		if t, ok := timeOf(r, "accepted_"+p); ok {
			st.Accepted[p] = t
		}
	}
	st.OfferExpires, _ = timeOf(r, "expires")
	return st
}

func setSeatingState(r seating, st proposal.State) {
	set(r, "status", float64(st.Status))
	for p, t := range st.Accepted {
		set(r, "accepted_"+p, t.UTC().Format(time.RFC3339Nano))
	}
	if !st.OfferExpires.IsZero() {
		set(r, "expires", st.OfferExpires.UTC().Format(time.RFC3339Nano))
	}
}

func (rg *rig) setSeats(h string, n int) {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	rg.seats[h] = n
}

// propose proposes the seating of g at h and returns its id.
func (rg *rig) propose(ctx context.Context, tb testing.TB, g, h string, units int) string {
	tb.Helper()
	id := proposal.ID("seating", g, h)
	r := newSeating(g, h, units)
	set(r, "id", id)
	if _, created, err := rg.life.Propose(ctx, id, r, ""); err != nil || !created {
		tb.Fatalf("propose %s: created %v, %v", id, created, err)
	}
	return id
}

// offer proposes g at h, approves it and has the guest accept: the host's
// accept then completes it.
func (rg *rig) offer(ctx context.Context, tb testing.TB, g, h string, units int) string {
	tb.Helper()
	id := rg.propose(ctx, tb, g, h, units)
	if _, err := rg.life.Approve(ctx, kitCoord, id); err != nil {
		tb.Fatal(err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, id, guest); err != nil {
		tb.Fatal(err)
	}
	return id
}

func (rg *rig) status(ctx context.Context, tb testing.TB, id string) proposal.Status {
	tb.Helper()
	r, _, err := rg.repo.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return proposal.Unknown
	}
	if err != nil {
		tb.Fatal(err)
	}
	return seatingState(r).Status
}
