package proposal

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
)

// Repo is the storage a Lifecycle needs: *store.Repo[R] implements it.
// Every write is a compare-and-set that carries its events (store's outbox).
type Repo[R proto.Message] interface {
	// Get reads id from the bucket, never a stale index. Returns NotFound.
	Get(ctx context.Context, id string) (R, uint64, error)
	// GetVisible is Get answering NotFound, after the reads an id of no
	// one costs, for a record visible refuses (ADR 0235).
	GetVisible(ctx context.Context, id string, visible func(R) bool) (R, uint64, error)
	// Create stores v under id once. Returns AlreadyExists, also for an
	// id that was erased.
	Create(ctx context.Context, id string, v R, events ...*eventsv1.Envelope) (uint64, error)
	// Update is a read-modify-write retried on conflict. Returns NotFound.
	Update(ctx context.Context, id string, fn func(v R, rev uint64) (store.Change, error)) (R, uint64, error)
	// Remove deletes id (purge: erases it). Returns NotFound.
	Remove(ctx context.Context, id string, purge bool, events ...*eventsv1.Envelope) error
	// Find queries the in-memory index.
	Find(q store.Query[R]) (store.Page[R], error)
	// Sync waits until the index holds every record stored before the
	// call, on any replica.
	Sync(ctx context.Context) error
}

var _ Repo[proto.Message] = (*store.Repo[proto.Message])(nil)

// Kind names a change of a proposal; each has its event.
type Kind int

// The kinds of change. None means a transition function changed nothing.
const (
	None Kind = iota
	KindProposed
	KindOffered
	KindRejected
	KindReplaced
	KindAccepted
	KindActivated
	KindDeclined
	KindExpired
	KindWithdrawn
	KindEnded
	KindErased
	// KindChanged is a change that keeps the status: what the proposal
	// claims (Resize) or a programme's own fields; Reason says which, in
	// the programme's terms.
	KindChanged
	// KindStands says the step a transition function was asked for is
	// already in the record: a retry of a call whose write landed but
	// whose answer was lost. The kit answers OK with the record as read,
	// writes nothing and publishes nothing (stands.go). It has no event.
	KindStands
)

// String names the kind as its events do ("activated").
func (k Kind) String() string {
	names := [...]string{"none", "proposed", "offered", "rejected", "replaced", "accepted", "activated", "declined", "expired", "withdrawn", "ended", "erased", "changed", "stands"}
	if k < 0 || int(k) >= len(names) {
		return "Kind(?)"
	}
	return names[k]
}

// Change describes one transition to the programme's Stamp and Event.
type Change struct {
	Kind Kind
	// Previous is the status before the change.
	Previous Status
	// Party that accepted or declined, that left (with Left), or whose
	// person was erased (KindErased): a programme may end for a reason
	// that depends on who left, and tell the other one.
	Party string
	// Reason is the programme's reason code (reject, decline, end), as
	// the caller gave it; the kit does not interpret it.
	Reason int32
	// Left is set on an end or withdrawal because a party left the
	// programme (Lifecycle.Leave), not by a caller's decision.
	Left bool
	// Related is another proposal: the replacement of a replaced one, the
	// one a replacement replaces.
	Related string
	// By is who made the change: the caller's subject, or the
	// programme's Name for the kit's own sweeps.
	By string
	// Now is the time of the change.
	Now time.Time
	// EventID is the id the event must carry: derived from the proposal
	// where the change may be made twice (proposed, expired, erased), so
	// the stream drops the copy; fresh otherwise.
	EventID string
}

// Hooks are fault-injection points for tests; nil in production.
type Hooks struct {
	// AfterReserve runs after an accept reserved its units and before the
	// transition to active is written: a crash test kills the process
	// there.
	AfterReserve func(id string)
	// AfterGrow runs after a resize of an active proposal reserved the
	// units it grows by and before the record is written: a crash test
	// kills the process there.
	AfterGrow func(id string)
	// BeforeClose runs before Close, CloseIf or a leaver reads proposal
	// id to close it: a test changes the proposal there, as another
	// replica may between a caller's decision and its write.
	BeforeClose func(id string)
	// BeforePropose runs before Propose or ProposeBatch creates proposal
	// id: a test makes one of its people leave there, after the caller
	// checked the pool.
	BeforePropose func(id string)
}

// Programme is the whole list of what a programme supplies to run its
// proposals on the kit: its record type R and these functions. Everything
// else (the read-modify-write with its transition check, capacity, offer
// expiry, leaving and erasure, recovery after a crash, create-once
// proposing) is the kit's.
type Programme[R proto.Message] struct {
	// Name of the programme: the author of the kit's own changes
	// (sweeps, leavers) and the prefix of its log lines.
	Name string
	// Repo stores the records (store.Open with the programme's indexes).
	Repo Repo[R]
	// IDOf returns a record's id (its key in Repo).
	IDOf func(R) string
	// Slots holds the capacity (OpenSlots).
	Slots *Slots
	// Parties must all accept an offer, for example "newcomer", "mentor".
	Parties []string
	// PartyIndex names, for each party, the Repo index that finds a
	// person's records by their id (Leave uses it).
	PartyIndex map[string]string
	// State reads the lifecycle out of a record; SetState writes it back.
	State    func(R) State
	SetState func(R, State)
	// Visible is the scope check: may the caller see (and so act on) r.
	Visible func(who auth.Claims, r R) bool
	// MayChange says whether the caller's role may change proposals at
	// all. Returns PermissionDenied.
	MayChange func(who auth.Claims) error
	// Claims lists what r takes once active: resource keys and units. It
	// must depend only on r, so the kit can release what it reserved even
	// after the people left.
	Claims func(r R) []Claim
	// Capacity is how many units resource c.Resource has now. An error
	// (FailedPrecondition: "the mentor is no longer in the pool") refuses
	// the acceptance.
	Capacity func(ctx context.Context, r R, c Claim) (int, error)
	// OfferTTL is how long an offer of r stays open.
	OfferTTL func(r R) time.Duration
	// CanOffer, if set, refuses an approval (FailedPrecondition when a
	// party left the pool).
	CanOffer func(ctx context.Context, r R) error
	// Stamp records a change's programme fields in r: times, reasons,
	// who. The status and acceptances are already set through SetState.
	Stamp func(r R, ch Change)
	// Holds, if set, reports whether r already holds what Stamp wrote or
	// would write for ch in the programme's own fields: a reject's, a
	// decline's or an end's reason, the party that declined. The kit
	// asks it only when r's status already is where ch's step leads, to
	// tell a retry of the same step (it stands: OK, nothing written) from
	// another step that got there first (refused as before). Nil: Reject,
	// Decline and End on a record already there are refused; Approve and
	// Accept, which carry no programme fields, are still recognised.
	Holds func(r R, ch Change) bool
	// KeepsOnLeave, if set, reports whether live proposal r stays as it
	// is when a party of it leaves the programme (not erased): dinners
	// keeps a confirmed seating at a dinner whose day has passed, which
	// took place or not and awaits its attendance, as DeleteOffer does
	// (ADR 0280, 0282). Nil: every live proposal closes. Erasure is not
	// asked: it removes every proposal naming the person.
	KeepsOnLeave func(r R) bool
	// Event builds the event of a change (ch.EventID is its id). It must
	// carry ids and facts only, never personal data.
	Event func(r R, ch Change) (*eventsv1.Envelope, error)
	// Unreadable, if set, makes a record holding only the ids an
	// unreadable one keeps beside its seal (store.Unreadable: its key, the
	// erased person's id, the person it names), enough for Event's
	// erasure. Leave of an erased person then also erases the records
	// sealed with their key that the index dropped as unreadable (the
	// programme was down when the key was shredded; docs/adr/0164). Nil:
	// the programme erases those itself, or none are sealed.
	Unreadable func(u store.Unreadable) R
	// NotFound is returned for a missing or invisible record; default
	// NotFound "proposal not found".
	NotFound error
	// Now and IDs default to the wall clock and UUIDv7.
	Now func() time.Time
	IDs ids.Source
	// Grace is how long a reservation may wait for its transition before
	// Recover completes or releases it (default 5s). An accept whose
	// transition is not written within Grace/2 of starting gives up, so a
	// slow accept never lands after its units were released.
	Grace  time.Duration
	Logger *slog.Logger
	Hooks  *Hooks
}

// Tuning is what a programme's wiring sets on its lifecycle rather than
// the programme itself: the Grace of its reservations and the fault hooks
// of tests (zero values: the defaults, no hooks). Tune applies it.
type Tuning struct {
	Grace time.Duration
	Hooks *Hooks
}

// Tune returns p with t's settings.
func Tune[R proto.Message](p Programme[R], t Tuning) Programme[R] {
	p.Grace, p.Hooks = t.Grace, t.Hooks
	return p
}

// Lifecycle runs a programme's proposals: every transition, capacity,
// expiry, leavers and crash recovery. Safe for concurrent use on any
// number of replicas sharing the buckets.
type Lifecycle[R proto.Message] struct {
	p    Programme[R]
	repo Repo[R]
}

// NewLifecycle returns the lifecycle of programme p, filling defaults.
func NewLifecycle[R proto.Message](p Programme[R]) *Lifecycle[R] {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.IDs == nil {
		p.IDs = ids.UUIDv7{}
	}
	if p.Grace <= 0 {
		p.Grace = 5 * time.Second
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.NotFound == nil {
		p.NotFound = apperr.Errorf(apperr.NotFound, "proposal not found")
	}
	if p.MayChange == nil {
		p.MayChange = func(auth.Claims) error { return nil }
	}
	if p.Stamp == nil {
		p.Stamp = func(R, Change) {}
	}
	return &Lifecycle[R]{p: p, repo: p.Repo}
}

// Step is what a transition function returns: the change it made (Kind
// None: nothing).
type Step = Change

// TransitionFunc changes r's lifecycle st (and, if it must, r) at now and
// says what changed. It may run more than once (compare-and-set retries).
// A function that finds its step already in r (a retry) returns Step{Kind:
// KindStands} and leaves r and st as they were: the kit answers OK with r
// and writes nothing.
type TransitionFunc[R proto.Message] func(r R, st *State, now time.Time) (Step, error)

// Transition applies fn to proposal id on the caller's behalf under the
// scope check and returns the record after it. The kit stamps the change,
// writes the record with its event in one compare-and-set and retries on a
// conflict. Returns Invalid, NotFound, PermissionDenied and fn's errors.
func (l *Lifecycle[R]) Transition(ctx context.Context, who auth.Claims, id string, fn TransitionFunc[R]) (R, error) {
	var zero R
	if err := l.p.MayChange(who); err != nil {
		return zero, err
	}
	if !ids.Valid(id) {
		return zero, apperr.FieldError("id", "is not an id")
	}
	// A transition that takes a proposal out of Active (a programme's own
	// end, such as a cancellation) gives its units back, so no programme
	// has to remember to.
	left := false
	out, err := l.transition(ctx, who.Subject, id, func(r R) error {
		if !l.p.Visible(who, r) {
			return l.p.NotFound
		}
		return nil
	}, func(r R, st *State, now time.Time) (Step, error) {
		was := st.Status
		step, err := fn(r, st, now)
		left = err == nil && changed(step) && was == Active && st.Status != Active
		return step, err
	})
	if err == nil && left {
		l.release(ctx, id, l.p.Claims(out))
	}
	return out, err
}

// transition is Transition without the caller checks: by is the author;
// check, if set, may refuse the record.
func (l *Lifecycle[R]) transition(ctx context.Context, by, id string, check func(R) error, fn TransitionFunc[R]) (R, error) {
	var zero R
	out, _, err := l.repo.Update(ctx, id, func(r R, _ uint64) (store.Change, error) {
		if check != nil {
			if err := check(r); err != nil {
				return nil, err
			}
		}
		st := l.p.State(r)
		prev := st.Status
		now := l.p.Now().UTC()
		ch, err := fn(r, &st, now)
		if err != nil || !changed(ch) {
			// Nothing to write: the store writes nothing for a record
			// left as it was read, so a step that stands costs this one
			// read and publishes nothing.
			return nil, err
		}
		l.p.SetState(r, st)
		ch.Previous, ch.By, ch.Now = prev, by, now
		if ch.EventID == "" {
			ch.EventID = l.eventID(id, ch.Kind)
		}
		l.p.Stamp(r, ch)
		ev, err := l.p.Event(r, ch)
		if err != nil {
			return nil, err
		}
		return store.Change{ev}, nil
	})
	if apperr.ErrorCode(err) == apperr.NotFound {
		return zero, l.p.NotFound
	}
	return out, err
}

// eventID is a change's event id: derived for the changes that may be made
// twice by different writers, so the stream keeps one event.
func (l *Lifecycle[R]) eventID(id string, k Kind) string {
	switch k {
	case KindProposed, KindExpired, KindErased:
		return ID(id, k.String())
	}
	return l.p.IDs.New()
}

// Get returns proposal id if the caller may see it. Returns Invalid,
// NotFound.
func (l *Lifecycle[R]) Get(ctx context.Context, who auth.Claims, id string) (R, error) {
	var zero R
	if !ids.Valid(id) {
		return zero, apperr.FieldError("id", "is not an id")
	}
	// One the caller may not see costs what an id of no one costs
	// (ADR 0235).
	r, _, err := l.repo.GetVisible(ctx, id, func(r R) bool { return l.p.Visible(who, r) })
	if apperr.ErrorCode(err) == apperr.NotFound {
		return zero, l.p.NotFound
	}
	return r, err
}

// Propose creates proposal r under id, once: id must be derived from what
// identifies the proposal (ID), so a job that restarts writes the same
// records. related names a proposal this one replaces, if any. It returns
// the stored record and whether this call created it; a record there
// before is returned as it is. Returns NotFound when id was erased.
func (l *Lifecycle[R]) Propose(ctx context.Context, id string, r R, related string) (R, bool, error) {
	var zero R
	if h := l.p.Hooks; h != nil && h.BeforePropose != nil {
		h.BeforePropose(id)
	}
	st := l.p.State(r)
	st.Status = Proposed
	l.p.SetState(r, st)
	ch := Change{Kind: KindProposed, Related: related, By: l.p.Name, Now: l.p.Now().UTC(), EventID: ID(id, KindProposed.String())}
	ev, err := l.p.Event(r, ch)
	if err != nil {
		return zero, false, err
	}
	_, err = l.repo.Create(ctx, id, r, ev)
	if err == nil {
		return r, true, nil
	}
	if apperr.ErrorCode(err) != apperr.AlreadyExists {
		return zero, false, err
	}
	cur, _, err := l.repo.Get(ctx, id)
	if err != nil {
		return zero, false, err // NotFound: erased with one of its people
	}
	return cur, false, nil
}

// Approve offers proposal id to its parties until now plus OfferTTL. On
// an offered proposal it is a retry and stands (stands.go). Returns
// Invalid, NotFound, FailedPrecondition.
func (l *Lifecycle[R]) Approve(ctx context.Context, who auth.Claims, id string) (R, error) {
	return l.Transition(ctx, who, id, func(r R, st *State, now time.Time) (Step, error) {
		if st.Status == Offered {
			return stands, nil // before CanOffer: a party may have left since
		}
		if l.p.CanOffer != nil {
			if err := l.p.CanOffer(ctx, r); err != nil {
				return Step{}, err
			}
		}
		if err := st.Approve(now, l.p.OfferTTL(r)); err != nil {
			return Step{}, err
		}
		return Step{Kind: KindOffered}, nil
	})
}

// Reject ends proposal id a coordinator turned down, with the programme's
// reason. On one rejected for that reason it stands (Holds). Returns
// Invalid, NotFound, FailedPrecondition.
func (l *Lifecycle[R]) Reject(ctx context.Context, who auth.Claims, id string, reason int32) (R, error) {
	return l.Transition(ctx, who, id, func(r R, st *State, _ time.Time) (Step, error) {
		step := Step{Kind: KindRejected, Reason: reason}
		if l.holds(r, *st, Rejected, step) {
			return stands, nil
		}
		if err := st.Reject(); err != nil {
			return Step{}, err
		}
		return step, nil
	})
}

// Decline ends the offer id that party turned down. On one party declined
// for that reason it stands (Holds). Returns Invalid, NotFound,
// FailedPrecondition.
func (l *Lifecycle[R]) Decline(ctx context.Context, who auth.Claims, id, party string, reason int32) (R, error) {
	var zero R
	if !slices.Contains(l.p.Parties, party) {
		return zero, apperr.FieldError("party", "is not a party of the offer")
	}
	return l.Transition(ctx, who, id, func(r R, st *State, now time.Time) (Step, error) {
		step := Step{Kind: KindDeclined, Party: party, Reason: reason}
		if l.holds(r, *st, Declined, step) {
			return stands, nil
		}
		if err := st.Decline(party, now); err != nil {
			return Step{}, err
		}
		return step, nil
	})
}

// End ends active proposal id and releases its capacity (Transition
// does). On one ended for that reason it stands (Holds). Returns Invalid,
// NotFound, FailedPrecondition.
func (l *Lifecycle[R]) End(ctx context.Context, who auth.Claims, id string, reason int32) (R, error) {
	return l.Transition(ctx, who, id, func(r R, st *State, _ time.Time) (Step, error) {
		step := Step{Kind: KindEnded, Reason: reason}
		if l.holds(r, *st, Ended, step) {
			return stands, nil
		}
		if err := st.End(); err != nil {
			return Step{}, err
		}
		return step, nil
	})
}

// Live returns person's proposals as party that are open or active, from
// the index: what a matching job counts against their capacity and uses
// to keep them out of another proposal. Returns Invalid for an unknown
// party.
func (l *Lifecycle[R]) Live(party, person string) ([]R, error) {
	index, ok := l.p.PartyIndex[party]
	if !ok {
		return nil, apperr.FieldError("party", "is not a party of the programme")
	}
	page, err := l.repo.Find(store.Query[R]{Index: index, Values: []string{person}, Filter: func(r R) bool {
		return l.p.State(r).Status.Live()
	}})
	return page.Items, err
}
