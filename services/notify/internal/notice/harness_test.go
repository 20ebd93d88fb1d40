package notice_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/services/notify/internal/catalog"
	"github.com/motesplats/motesplats/services/notify/internal/links"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/server"
)

// fakeDir is a Directory of fixed people.
type fakeDir struct {
	mu     sync.Mutex
	people map[string]notice.Person
	down   bool
	asked  int // calls while down
}

func (f *fakeDir) Person(_ context.Context, id string, _ bool) (notice.Person, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		f.asked++
		return notice.Person{}, apperr.Errorf(apperr.Unavailable, "down")
	}
	p, ok := f.people[id]
	if !ok {
		return notice.Person{}, apperr.Errorf(apperr.NotFound, "gone")
	}
	return p, nil
}

// fakeProg holds proposals and records the answers applied.
type fakeProg struct {
	mu       sync.Mutex
	pairs    map[string]notice.Pair
	seatings map[string]notice.Seating
	assigns  map[string]notice.Assignment
	applied  []notice.AnswerCall
	applyErr error
}

var _ notice.Programmes = (*fakeProg)(nil)

func (f *fakeProg) Pair(_ context.Context, id string) (notice.Pair, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pairs[id]
	if !ok {
		return p, apperr.Errorf(apperr.NotFound, "gone")
	}
	return p, nil
}

func (f *fakeProg) Seating(_ context.Context, id string) (notice.Seating, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.seatings[id]
	if !ok {
		return s, apperr.Errorf(apperr.NotFound, "gone")
	}
	return s, nil
}

func (f *fakeProg) Assignment(_ context.Context, id string) (notice.Assignment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.assigns[id]
	if !ok {
		return a, apperr.Errorf(apperr.NotFound, "gone")
	}
	return a, nil
}

func (f *fakeProg) Apply(_ context.Context, a notice.AnswerCall) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.applyErr != nil {
		return f.applyErr
	}
	f.applied = append(f.applied, a)
	return nil
}

func (f *fakeProg) calls() []notice.AnswerCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notice.AnswerCall(nil), f.applied...)
}

// Ids of the test's people and proposals.
const (
	amina  = "p-amina" // newcomer, Arabic, e-mail
	erik   = "v-erik"  // volunteer, Swedish, e-mail
	pairID = "pair-1"
	org    = "org-a"
	muni   = "0180"
)

type env struct {
	t       testing.TB
	nats    *testutil.NATS
	deps    service.Deps
	clock   *testutil.Clock
	dir     *fakeDir
	prog    *fakeProg
	svc     *notice.Service
	msgs    *store.Repo[*pb.StoredMessage]
	links   *store.Repo[*pb.StoredLink]
	tracked *store.Repo[*pb.Tracked]
	keys    *links.Keys
	// kek opens the buckets' keyring from another process.
	kek string
}

var admin = auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}

// start runs a Service on a private NATS with sealing, a clock at noon
// Stockholm time, Amina (ar) and Erik (sv), and an offered pair.
func start(t testing.TB, ch notice.Channels) *env {
	t.Helper()
	n := testutil.MustNATS(t)
	kekText, kek := sealtest.KEKText(t)
	kr := sealtest.Keyring(t, n.JS, kek)
	ctx := testutil.Context(t)
	clock := testutil.NewClock(time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)) // 12:00 in Stockholm
	d := service.Deps{JS: n.JS, Keyring: kr, Now: clock.Now}.WithDefaults()
	e := &env{t: t, nats: n, deps: d, clock: clock, kek: kekText,
		dir: &fakeDir{people: map[string]notice.Person{
			amina: {FirstName: "Amina", Email: "amina@example.org", Phone: "+46701234567", Language: "ar"},
			erik:  {FirstName: "Erik", Email: "erik@example.se", Language: "sv"},
		}},
		prog: &fakeProg{pairs: map[string]notice.Pair{pairID: {ParticipantID: amina, VolunteerID: erik, OrganisationID: org,
			Municipality: muni, ExpireTime: clock.Now().Add(7 * 24 * time.Hour), Offered: true}},
			seatings: map[string]notice.Seating{}, assigns: map[string]notice.Assignment{}},
	}
	var err error
	e.msgs, e.links, e.tracked, err = server.Repos(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.msgs.Close(); e.links.Close(); e.tracked.Close() })
	e.keys, err = links.NewKeys([]byte(strings.Repeat("k", links.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	e.svc = e.newService(ch, "replica-1")
	return e
}

// newService is another replica over the same buckets.
func (e *env) newService(ch notice.Channels, owner string) *notice.Service {
	return e.serviceWith(ch, owner, nil)
}

// serviceWith is newService with its deps changed by mod (nil: none).
func (e *env) serviceWith(ch notice.Channels, owner string, mod func(*notice.Deps)) *notice.Service {
	cat, err := catalog.New()
	if err != nil {
		e.t.Fatal(err)
	}
	d := notice.Deps{Messages: e.msgs, Links: e.links, Tracked: e.tracked, Directory: e.dir, Programmes: e.prog,
		Channels: ch, Catalog: cat, Keys: e.keys, BaseURL: "http://gw.test", Owner: owner, Now: e.clock.Now,
		Retry: notice.Backoff{Base: time.Second, Max: time.Minute, MaxAttempts: 5}}
	if mod != nil {
		mod(&d)
	}
	return notice.New(d)
}

// event wraps a payload as the producer would publish it.
func (e *env) event(id, typ, subject string, payload proto.Message) *eventsv1.Envelope {
	e.t.Helper()
	env, err := events.NewEnvelope(id, typ, subject, e.clock.Now(), payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return env
}

func (e *env) offerPair(id string) {
	e.t.Helper()
	ev := e.event(id, events.PairOffered, pairID, &eventsv1.MentoringPairChanged{Facts: &eventsv1.PairFacts{PairId: pairID,
		OrganisationId: org, MunicipalityCode: muni, ParticipantId: amina, VolunteerId: erik, Status: eventsv1.PairStatus_PAIR_STATUS_OFFERED}})
	if err := e.svc.HandleMentoring(testutil.Context(e.t), ev); err != nil {
		e.t.Fatal(err)
	}
}

// mailbox lists every development-mailbox message, with bodies.
func (e *env) mailbox() []*pb.StoredMessage {
	e.t.Helper()
	ms, _, err := e.svc.ListMailbox(admin, notice.MailboxFilter{PageSize: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// to returns the message to person in ms.
func to(ms []*pb.StoredMessage, person string) *pb.StoredMessage {
	for _, m := range ms {
		if m.GetPersonId() == person {
			return m
		}
	}
	return nil
}

// tokenOf cuts the token out of an answer URL.
func tokenOf(t *testing.T, url string) string {
	t.Helper()
	i := strings.LastIndex(url, "/a/")
	if i < 0 {
		t.Fatalf("no token in %q", url)
	}
	return url[i+3:]
}

// sendUntil runs the sender until cond holds.
func (e *env) sendUntil(cond func() error) {
	e.t.Helper()
	ctx := testutil.Context(e.t)
	testutil.CheckFor(e.t, 10*time.Second, 20*time.Millisecond, func() error {
		e.svc.SendDue(ctx)
		return cond()
	})
}
