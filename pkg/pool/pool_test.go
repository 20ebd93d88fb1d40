package pool_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// side opens a pool side of newcomers indexed by municipality, recording
// who left.
func side(t *testing.T) (*pool.Side[*mentoringv1.PoolNewcomer], func() []string) {
	t.Helper()
	n := testutil.MustNATS(t)
	var mu sync.Mutex
	var leaves []string
	s, err := pool.Open(testutil.Context(t), n.JS, pool.Spec[*mentoringv1.PoolNewcomer]{
		Bucket: "kit_pool", IDField: "participant_id", Source: pool.Participants,
		New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
		Indexes: map[string]func(*mentoringv1.PoolNewcomer) []string{
			"muni": func(n *mentoringv1.PoolNewcomer) []string { return []string{n.GetMunicipalityCode()} },
		},
		Leave: func(_ context.Context, id string, erased bool) error {
			mu.Lock()
			defer mu.Unlock()
			leaves = append(leaves, fmt.Sprintf("%s erased=%v", id, erased))
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(leaves)
	}
}

// build is the programme's filter: consenting to mentoring.
func build(f *eventsv1.ParticipantFacts) (*mentoringv1.PoolNewcomer, bool) {
	if !slices.Contains(f.GetConsentedPurposes(), eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING) {
		return nil, false
	}
	return &mentoringv1.PoolNewcomer{ParticipantId: f.GetParticipantId(), MunicipalityCode: f.GetMunicipalityCode()}, true
}

func event(t *testing.T, id string, ms int, payload proto.Message) *eventsv1.Envelope {
	t.Helper()
	env, err := events.NewEnvelope(id, "participants.test", "p-1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms)*time.Millisecond), payload)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func facts(muni string, consent bool) *eventsv1.ParticipantFacts {
	f := &eventsv1.ParticipantFacts{ParticipantId: "p-1", MunicipalityCode: muni}
	if consent {
		f.ConsentedPurposes = []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING}
	}
	return f
}

// TestSideAppliesEventsInAnyOrder: the record ends as the newest event
// says, stamped with it; leaving writes a tombstone the index leaves out;
// an older replay cannot bring the person back; the leaver hears once of
// the leaving (HandleLeave, the durable consumer's handler) and again of
// each delivery.
func TestSideAppliesEventsInAnyOrder(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	s, leaves := side(t)
	reg := event(t, "e1", 1, &eventsv1.ParticipantRegistered{Facts: facts("0180", true)})
	upd := event(t, "e2", 2, &eventsv1.ParticipantUpdated{Facts: facts("0380", true)})
	withdrawn := event(t, "e3", 3, &eventsv1.ParticipantConsentChanged{ParticipantId: "p-1", Facts: facts("0380", false)})
	erased := event(t, "e4", 4, &eventsv1.ParticipantErased{ParticipantId: "p-1"})
	apply := func(env *eventsv1.Envelope) {
		t.Helper()
		if err := s.ApplyParticipant(ctx, env, build); err != nil {
			t.Fatal(err)
		}
	}
	apply(upd)
	apply(reg) // older: ignored
	n, ok := s.Live("p-1")
	if !ok || n.GetMunicipalityCode() != "0380" || n.GetEventId() != "e2" || !n.GetEventTime().AsTime().Equal(upd.GetOccurredAt().AsTime()) {
		t.Fatalf("after update and older registration: %v, %v", n, ok)
	}
	pg, err := s.Repo.Find(store.Query[*mentoringv1.PoolNewcomer]{Index: "muni", Values: []string{"0380"}})
	if err != nil || len(pg.Items) != 1 {
		t.Fatalf("index: %v, %v", pg, err)
	}
	leave := func(env *eventsv1.Envelope) {
		t.Helper()
		if err := s.HandleLeave(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.HandleLeave(ctx, upd); err != nil || len(leaves()) != 0 {
		t.Fatalf("an update that keeps them in: leaves %v, %v", leaves(), err)
	}
	apply(withdrawn)
	apply(withdrawn) // repeated: changes nothing
	leave(withdrawn)
	apply(upd) // older replay: stays gone
	if _, ok := s.Live("p-1"); ok {
		t.Fatal("a withdrawn newcomer is live")
	}
	gone, wasErased, err := s.Gone(ctx, "p-1")
	if err != nil || !gone || wasErased {
		t.Fatalf("Gone = %v, %v, %v; want gone, not erased", gone, wasErased, err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		pg, err := s.Repo.Find(store.Query[*mentoringv1.PoolNewcomer]{Index: "muni", Values: []string{"0380"}})
		if err != nil || len(pg.Items) != 0 {
			return fmt.Errorf("a tombstone is in the index: %v, %v", pg, err)
		}
		return nil
	})
	apply(erased)
	apply(erased)
	leave(erased)
	leave(erased) // redelivered: told again
	if gone, wasErased, err := s.Gone(ctx, "p-1"); err != nil || !gone || !wasErased {
		t.Fatalf("Gone = %v, %v, %v; want gone and erased", gone, wasErased, err)
	}
	got, want := strings.Join(leaves(), "; "), "p-1 erased=false; p-1 erased=true; p-1 erased=true"
	if got != want {
		t.Errorf("leaves = %q, want %q", got, want)
	}
	if gone, _, err := s.Gone(ctx, "never-seen"); err != nil || gone {
		t.Errorf("a person never seen: gone=%v, %v", gone, err)
	}
}

// TestSideRejectsAndIgnores: other event types change nothing; a payload
// without a valid id is permanent (retrying cannot fix it).
func TestSideRejectsAndIgnores(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	s, leaves := side(t)
	if err := s.ApplyParticipant(ctx, event(t, "v1", 1, &eventsv1.VolunteerDeleted{VolunteerId: "p-1"}), build); err != nil {
		t.Fatalf("other type: %v", err)
	}
	if err := s.ApplyVolunteer(ctx, event(t, "o1", 1, &eventsv1.OrganisationDeleted{OrganisationId: "p-1"}),
		func(*eventsv1.VolunteerFacts) (*mentoringv1.PoolNewcomer, bool) { return nil, false }); err != nil {
		t.Fatalf("organisation event to a volunteer side: %v", err)
	}
	if _, _, err := s.Repo.Get(ctx, "p-1"); err == nil {
		t.Error("an ignored event wrote a record")
	}
	err := s.ApplyParticipant(ctx, event(t, "bad", 1, &eventsv1.ParticipantDeleted{ParticipantId: "not an id!"}), build)
	if err == nil || !events.IsPermanent(err) {
		t.Errorf("invalid id: %v, want a permanent error", err)
	}
	if len(leaves()) != 0 {
		t.Errorf("leaves = %v, want none", leaves())
	}
}

// TestSideOrganisations: a side without an erased field (organisations)
// takes deletions as tombstones.
func TestSideOrganisations(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	s, err := pool.Open(ctx, n.JS, pool.Spec[*guidesv1.GuideOrganisation]{
		Bucket: "kit_orgs", IDField: "organisation_id",
		New: func() *guidesv1.GuideOrganisation { return &guidesv1.GuideOrganisation{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	mk := func(f *eventsv1.OrganisationFacts) (*guidesv1.GuideOrganisation, bool) {
		return &guidesv1.GuideOrganisation{OrganisationId: f.GetOrganisationId()}, true
	}
	if err := s.ApplyOrganisation(ctx, event(t, "o1", 1, &eventsv1.OrganisationCreated{Facts: &eventsv1.OrganisationFacts{OrganisationId: "org-1"}}), mk); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Live("org-1"); !ok {
		t.Fatal("created organisation not live")
	}
	if err := s.ApplyOrganisation(ctx, event(t, "o2", 2, &eventsv1.OrganisationDeleted{OrganisationId: "org-1"}), mk); err != nil {
		t.Fatal(err)
	}
	if gone, erased, err := s.Gone(ctx, "org-1"); err != nil || !gone || erased {
		t.Errorf("Gone = %v, %v, %v; want gone, not erased", gone, erased, err)
	}
}

// TestOpenChecksTheRecordType: a record without the fields the kit writes
// fails at Open, not on the first event.
func TestOpenChecksTheRecordType(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	for _, id := range []string{"", "no_such_field", "languages", "gone"} {
		_, err := pool.Open(testutil.Context(t), n.JS, pool.Spec[*mentoringv1.PoolNewcomer]{
			Bucket: "kit_bad", IDField: protoreflect.Name(id),
			New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
		})
		if err == nil {
			t.Errorf("IDField %q: opened", id)
		}
	}
}
