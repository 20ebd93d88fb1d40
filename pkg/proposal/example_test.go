package proposal_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// A programme on the kit, "seating": a guest party is seated at a host's
// dinner. The host's seats are capacity in units (a party of 3 takes 3);
// each guest party has a single place. Its record is a structpb.Struct
// here; a real programme uses its own proto message (mentoring's Pair).
// What follows is everything a programme writes; the kit does the rest.

// seating is the programme's record.
type seating = *structpb.Struct

const (
	guest = "guest"
	host  = "host"
)

// hosts knows each host's seats (a programme reads its pool); a host not
// in it has left.
type hosts struct {
	mu    sync.Mutex
	seats map[string]int
}

func (h *hosts) set(id string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seats[id] = n
}

// seatingKit is the programme's wiring: its repository, counters and the
// kit's lifecycle over them.
type seatingKit struct {
	repo  *store.Repo[seating]
	slots *proposal.Slots
	life  *proposal.Lifecycle[seating]
}

// openSeating opens the programme's buckets on js and returns the kit
// running it. now and hooks may be nil; grace 0 is the default.
func openSeating(ctx context.Context, js jetstream.JetStream, hs *hosts, now func() time.Time, grace time.Duration, hooks *proposal.Hooks) (*seatingKit, error) {
	// 1. Its stream, and a repository with an index per party.
	if err := events.EnsureStream(ctx, js, events.StreamConfig{Name: "KIT", Subjects: []string{"kit.>"}}); err != nil {
		return nil, err
	}
	repo, err := store.Open(ctx, js, store.Config[seating]{
		Bucket: "kit_seatings", New: func() seating { return &structpb.Struct{} }, Publisher: events.NewPublisher(js),
		Indexes: map[string]func(seating) []string{
			guest: func(r seating) []string { return []string{str(r, "guest")} },
			host:  func(r seating) []string { return []string{str(r, "host")} },
		},
	})
	if err != nil {
		return nil, err
	}
	// 2. Its capacity counters (same clock as the lifecycle).
	slots, err := proposal.OpenSlots(ctx, js, "kit_seats", 1, now)
	if err != nil {
		repo.Close()
		return nil, err
	}
	// 3. The whole list of what a programme supplies.
	life := proposal.NewLifecycle(proposal.Programme[seating]{
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
		Capacity: func(_ context.Context, _ seating, c proposal.Claim) (int, error) {
			if c.What == "guest" {
				return 1, nil
			}
			hs.mu.Lock()
			defer hs.mu.Unlock()
			n, ok := hs.seats[c.Resource]
			if !ok {
				return 0, apperr.Errorf(apperr.FailedPrecondition, "the host no longer hosts")
			}
			return n, nil
		},
		OfferTTL: func(seating) time.Duration { return 7 * 24 * time.Hour },
		CanOffer: nil, // every proposal may be offered
		Stamp: func(r seating, ch proposal.Change) {
			set(r, "updated_by", ch.By)
			switch ch.Kind {
			case proposal.KindEnded, proposal.KindDeclined, proposal.KindRejected:
				reason := fmt.Sprint(ch.Reason)
				if ch.Left {
					reason = "left"
				}
				set(r, "reason", reason)
				if ch.Kind == proposal.KindDeclined {
					set(r, "declined_by", ch.Party)
				}
			case proposal.KindActivated:
				set(r, "seated_by", ch.Party)
			}
		},
		// What Stamp keeps of a reject, decline or end, so a retry of the
		// same one stands and another is refused.
		Holds: func(r seating, ch proposal.Change) bool {
			return str(r, "reason") == fmt.Sprint(ch.Reason) &&
				(ch.Kind != proposal.KindDeclined || str(r, "declined_by") == ch.Party)
		},
		Event: func(r seating, ch proposal.Change) (*eventsv1.Envelope, error) {
			id := str(r, "id") // ids only: never names or free text
			return events.NewEnvelope(ch.EventID, "kit.seating."+ch.Kind.String(), id, ch.Now,
				&structpb.Struct{Fields: map[string]*structpb.Value{"id": structpb.NewStringValue(id)}})
		},
		NotFound: apperr.Errorf(apperr.NotFound, "seating not found"),
		Now:      now,
		IDs:      nil, // UUIDv7
		Grace:    grace,
		Logger:   nil, // slog.Default()
		Hooks:    hooks,
	})
	return &seatingKit{repo: repo, slots: slots, life: life}, nil
}

// seatingState reads the lifecycle out of a record.
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

// setSeatingState writes the lifecycle back.
func setSeatingState(r seating, st proposal.State) {
	set(r, "status", float64(st.Status))
	for p, t := range st.Accepted {
		set(r, "accepted_"+p, t.UTC().Format(time.RFC3339Nano))
	}
	if !st.OfferExpires.IsZero() {
		set(r, "expires", st.OfferExpires.UTC().Format(time.RFC3339Nano))
	}
}

// newSeating is the record of guest party g of size units at host h.
func newSeating(g, h string, units int) seating {
	r := &structpb.Struct{}
	set(r, "id", proposal.ID("seating", g, h))
	set(r, "guest", g)
	set(r, "host", h)
	set(r, "units", float64(units))
	set(r, "org", "org-k")
	set(r, "muni", "0180")
	return r
}

func str(r seating, k string) string { return r.GetFields()[k].GetStringValue() }
func num(r seating, k string) int    { return int(r.GetFields()[k].GetNumberValue()) }

func set(r seating, k string, v any) {
	if r.Fields == nil {
		r.Fields = map[string]*structpb.Value{}
	}
	val, err := structpb.NewValue(v)
	if err != nil {
		panic(err) // only the types above are stored
	}
	r.Fields[k] = val
}

func timeOf(r seating, k string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, str(r, k))
	return t, err == nil
}

// Example seats a party of 3 at a host with 4 seats: proposed once (a
// second Propose of the same id returns the first), approved, accepted by
// both; the second acceptance takes 3 of the host's seats.
func Example() {
	dir, err := os.MkdirTemp("", "seating")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ns, err := natsembed.Start(natsembed.Options{StoreDir: dir, Port: -1})
	if err != nil {
		panic(err)
	}
	defer ns.Shutdown()
	nc, err := natsembed.Connect(ns, "example")
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	k, err := openSeating(ctx, js, &hosts{seats: map[string]int{"h-1": 4}}, nil, 0, nil)
	if err != nil {
		panic(err)
	}
	defer k.repo.Close()
	coordinator := auth.Claims{Subject: "u-1", Role: auth.RoleCoordinator, Organisation: "org-k", Municipalities: []string{"0180"}}

	r := newSeating("g-1", "h-1", 3)
	id := str(r, "id")
	_, created, err := k.life.Propose(ctx, id, r, "")
	fmt.Println("proposed:", created, err)
	_, created, _ = k.life.Propose(ctx, id, newSeating("g-1", "h-1", 3), "")
	fmt.Println("proposed again:", created)
	_, err = k.life.Approve(ctx, coordinator, id)
	fmt.Println("approved:", err)
	_, err = k.life.Accept(ctx, coordinator, id, guest)
	fmt.Println("guest accepted:", err)
	r, err = k.life.Accept(ctx, coordinator, id, host)
	fmt.Println("host accepted:", seatingState(r).Status, err)
	used, _ := k.slots.Used(ctx, "h-1")
	fmt.Println("seats taken:", used)
	// Output:
	// proposed: true <nil>
	// proposed again: false
	// approved: <nil>
	// guest accepted: <nil>
	// host accepted: active <nil>
	// seats taken: 3
}
