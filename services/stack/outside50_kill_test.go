package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	dinnersserver "github.com/motesplats/motesplats/services/dinners/server"
)

// The two points a RecordPastSeating is killed at (outside50, ADR 0281):
// after the party's evening is claimed and the date added to the offer,
// before the seating is created (the kit's BeforePropose); and after the
// seating is created, proposed, before it is confirmed (the seatings
// store's AfterWrite of its first write).
const (
	pastKilledClaimed = "outside50-past-claimed"
	pastKilledWritten = "outside50-past-written"
)

// pastKillDay is the child's and the restart's day: fixed, so the dates
// in the requests are stable; the dinner is the day before.
var pastKillDay = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

const (
	pastKillOrg  = "org-outside50"
	pastKillMuni = "0180"
)

// init makes this test binary the child a past-seating kill test starts
// (servicetest.StartChildProcess sets CrashAtEnv to one of the points):
// an init runs before help_test.go's TestMain, which is not this file's.
func init() {
	at := os.Getenv(servicetest.CrashAtEnv)
	if at != pastKilledClaimed && at != pastKilledWritten {
		return
	}
	if err := pastKillChild(os.Getenv(servicetest.CrashDirEnv), at); err != nil {
		fmt.Fprintln(os.Stderr, "past-seating kill child:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// pastKillChild is a dinners service (the real server.Run, the kit's
// stores) on an embedded NATS in dir that freezes at point at, with a
// guest and two hosts of one organisation in its pool.
func pastKillChild(dir, at string) error {
	pools := &servicetest.Pools{}
	o := dinnersserver.Options{Pools: pools.Add}
	switch at {
	case pastKilledClaimed:
		o.ProposalHooks = &proposal.Hooks{BeforePropose: func(string) { servicetest.Freeze(at) }}
	case pastKilledWritten:
		o.StoreHooks = &store.Hooks{AfterWrite: func(string) error { servicetest.Freeze(at); return nil }}
	}
	return servicetest.ServeProgrammeChild(dir, at, func() time.Time { return pastKillDay }, dinnersserver.Run, o,
		func(tb testing.TB, js jetstream.JetStream, _ ed25519.PrivateKey, _ string) {
			pastKillPeople(context.Background(), tb, js, pools)
		})
}

// pastKillPeople registers guest g-1 and hosts h-1, h-2 in the pool.
func pastKillPeople(ctx context.Context, tb testing.TB, js jetstream.JetStream, pools *servicetest.Pools) {
	guest := &eventsv1.ParticipantFacts{ParticipantId: "g-1", OrganisationId: pastKillOrg, MunicipalityCode: pastKillMuni,
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Gender:    typev1.Gender_GENDER_WOMAN, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C,
		ConsentedPurposes: []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS}}
	envs := []*eventsv1.Envelope{servicetest.Envelope(tb, events.ParticipantRegistered, "g-1", &eventsv1.ParticipantRegistered{Facts: guest})}
	for _, h := range []string{"h-1", "h-2"} {
		host := &eventsv1.VolunteerFacts{VolunteerId: h, OrganisationId: pastKillOrg, MunicipalityCode: pastKillMuni,
			Roles:                []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 6}},
			BackgroundCheckValid: true}
		envs = append(envs, servicetest.Envelope(tb, events.VolunteerRegistered, h, &eventsv1.VolunteerRegistered{Facts: host}))
	}
	servicetest.PublishPeople(ctx, tb, js, envs...)
	pools.WaitIDs(tb, "dinners_guests", []string{"g-1"})
	pools.WaitIDs(tb, "dinners_hosts", []string{"h-1", "h-2"})
}

// TestOutside50_PastSeatingKilledAfterTheEveningClaim kills (SIGKILL) a
// real dinners process in RecordPastSeating once it holds the party's
// evening and has added the date to the offer, before the seating
// exists. After a restart on the same files: no seating; another host's
// record for that evening is refused while the dead claim is younger
// than its grace, and the admin's retry of the same record (the claim's
// holder) is confirmed at once: the evening is not taken by its own dead
// claim.
func TestOutside50_PastSeatingKilledAfterTheEveningClaim(t *testing.T) {
	k := startPastKill(t, pastKilledClaimed)
	if _, err := k.admin.GetSeating(k.ctx, &dinnersv1.GetSeatingRequest{Id: k.seatingID}); status.Code(err) != codes.NotFound {
		t.Fatalf("after the kill the seating is %v, want NotFound (killed before it was created)", err)
	}
	if h := k.holders(); len(h) != 1 {
		t.Fatalf("after the kill the evening has %d holders, want the dead call's 1", len(h))
	}
	// What a call killed here leaves besides its claim: the date on the
	// offer (pastDinner ran before the proposal), a dinner nobody sat at
	// until the retry. Logged for the report, not asserted (the dinners'
	// owner decides).
	if o, err := k.admin.GetOffer(k.ctx, &dinnersv1.GetOfferRequest{Id: k.offer1}); err == nil {
		for _, d := range o.GetOffer().GetDinners() {
			if d.GetDate() == k.date {
				t.Logf("after the kill the offer lists the dinner of %s with no seating", k.date)
			}
		}
	}
	_, err := k.record(k.offer2)
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), "one dinner an evening") {
		t.Errorf("another host's record within the claim's grace: %v, want FailedPrecondition (evening taken)", err)
	}
	got, err := k.record(k.offer1)
	if err != nil {
		t.Fatalf("the retry of the killed record: %v, want the seating confirmed", err)
	}
	if got.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Errorf("the retry answered %v, want confirmed", got.GetStatus())
	}
	k.wantOneSeating(eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED)
}

// TestOutside50_PastSeatingKilledThenAnotherHost: after the same kill,
// the admin records the evening at the other host's table instead, once
// the dead claim is older than its grace (a minute): it is confirmed, the
// party seated once; the first offer keeps the date the dead call added.
func TestOutside50_PastSeatingKilledThenAnotherHost(t *testing.T) {
	k := startPastKill(t, pastKilledClaimed)
	k.clock.Add(2 * time.Minute)
	got, err := k.record(k.offer2)
	if err != nil || got.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Fatalf("the other host's record after the claim's grace: %v %v, want confirmed", got.GetStatus(), err)
	}
	k.wantOneSeating(eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED)
	if h := k.holders(); len(h) != 1 {
		t.Errorf("the evening has %d holders after the other host's record, want 1", len(h))
	}
}

// TestOutside50_PastSeatingKilledAfterTheWrite kills the process once the
// seating is created (proposed, the kit's first write) and before it is
// confirmed: the record is then neither the seating nor nothing until
// the retry finishes it, so the admin's retry must be confirmed (not
// "went another way; this one is proposed"), and the party seated once.
func TestOutside50_PastSeatingKilledAfterTheWrite(t *testing.T) {
	k := startPastKill(t, pastKilledWritten)
	res, err := k.admin.GetSeating(k.ctx, &dinnersv1.GetSeatingRequest{Id: k.seatingID})
	if err != nil {
		t.Fatalf("after the kill: %v, want the seating created before the kill", err)
	}
	t.Logf("after the kill the seating is %v", res.GetSeating().GetStatus())
	// ADR 0281 found the retry refused "went another way; this one is
	// SEATING_STATUS_PROPOSED" for good; since ADR 0280 the retry finishes
	// its own half-done record.
	got, err := k.record(k.offer1)
	if err != nil {
		t.Errorf("the retry of the killed record: %v, want the seating confirmed", err)
	} else if got.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Errorf("the retry answered %v, want confirmed", got.GetStatus())
	}
	// A minute later (past the claim's grace) the evening is still the
	// killed record's while its seating lives: another host's record is
	// refused, the party is seated once.
	k.clock.Add(2 * time.Minute)
	if _, err := k.record(k.offer2); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("another host's record after the retry: %v, want FailedPrecondition (evening taken)", err)
	}
	k.wantOneSeating(eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED)
}

// pastKill is one kill test's restarted service and what it recorded.
type pastKill struct {
	t                      *testing.T
	ctx                    context.Context
	js                     jetstream.JetStream
	clock                  *testutil.Clock
	admin                  dinnersv1.DinnerServiceClient
	signUp, offer1, offer2 string
	date, seatingID        string
}

// startPastKill starts the child that freezes at point at, makes two
// hosts' offers and the guest's sign-up, sends the admin's record of
// yesterday's dinner at h-1's table, kills the child where it froze and
// restarts the service in this process on the child's files.
func startPastKill(t *testing.T, at string) *pastKill {
	t.Helper()
	dir := t.TempDir()
	key := servicetest.NewKey(t)
	child := servicetest.StartChildProcess(t, dir, at, key, 2*time.Minute)
	signer := servicetest.NewSigner(key)
	ctx := testutil.Context(t)
	coord := auth.Claims{Subject: "u-coord", Role: auth.RoleCoordinator, Organisation: pastKillOrg, Municipalities: []string{pastKillMuni}}
	admin := auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}
	c := dinnersv1.NewDinnerServiceClient(servicetest.Dial(t, child.Addr, signer, coord))
	ahead := pastKillDay.AddDate(0, 0, 10).Format(time.DateOnly)
	k := &pastKill{t: t, ctx: ctx, date: pastKillDay.AddDate(0, 0, -1).Format(time.DateOnly)}
	for i, h := range []string{"h-1", "h-2"} {
		res, err := c.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: "o-" + h, Offer: &dinnersv1.Offer{
			OrganisationId: pastKillOrg, MunicipalityCode: pastKillMuni, VolunteerId: h, Seats: 4,
			Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar"},
			Dinners: []*dinnersv1.Dinner{{Date: ahead, StartTime: "18:00"}}}})
		if err != nil {
			t.Fatalf("offer %d: %v", i+1, err)
		}
		if i == 0 {
			k.offer1 = res.GetOffer().GetId()
		} else {
			k.offer2 = res.GetOffer().GetId()
		}
	}
	su, err := c.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "s-g-1", SignUp: &dinnersv1.SignUp{
		OrganisationId: pastKillOrg, MunicipalityCode: pastKillMuni, ParticipantId: "g-1", Dates: []string{ahead},
		Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY}})
	if err != nil {
		t.Fatalf("sign-up: %v", err)
	}
	k.signUp = su.GetSignUp().GetId()
	k.seatingID = proposal.ID("dinner-seating", k.signUp, k.offer1, k.date) // dinners.SeatingID

	childAdmin := dinnersv1.NewDinnerServiceClient(servicetest.Dial(t, child.Addr, signer, admin))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = childAdmin.RecordPastSeating(ctx, &dinnersv1.RecordPastSeatingRequest{SignUpId: k.signUp, OfferId: k.offer1, Date: k.date, StartTime: "18:00"})
	}()
	child.WaitFrozen(t, at, time.Minute)
	child.Kill(t)
	wg.Wait()

	n := testutil.MustNATSDir(t, filepath.Join(dir, "nats"))
	k.js = n.JS
	k.clock = testutil.NewClock(pastKillDay)
	var pools *servicetest.Pools
	addr := servicetest.Replica{NATS: n, Key: key, Now: k.clock.Now, Pools: &pools}.Start(t, dinnersserver.Run, dinnersserver.Options{})
	pools.WaitIDs(t, "dinners_guests", []string{"g-1"})
	pools.WaitIDs(t, "dinners_hosts", []string{"h-1", "h-2"})
	k.admin = dinnersv1.NewDinnerServiceClient(servicetest.Dial(t, addr, signer, admin))
	return k
}

// record sends the admin's record of the guest's dinner of k.date at
// offer's table.
func (k *pastKill) record(offer string) (*dinnersv1.Seating, error) {
	res, err := k.admin.RecordPastSeating(k.ctx, &dinnersv1.RecordPastSeatingRequest{SignUpId: k.signUp, OfferId: offer, Date: k.date, StartTime: "18:00"})
	return res.GetSeating(), err
}

// holders lists who holds the guest's evening of k.date (ADR 0277).
func (k *pastKill) holders() []string {
	return servicetest.SlotHolders(k.ctx, k.t, k.js, "dinners_seats", proposal.ID("dinner-evening", "g-1", k.date))
}

// wantOneSeating checks that the guest's sign-up has exactly one seating
// that evening, in status want.
func (k *pastKill) wantOneSeating(want eventsv1.SeatingStatus) {
	k.t.Helper()
	res, err := k.admin.ListSeatings(k.ctx, &dinnersv1.ListSeatingsRequest{SignUpId: k.signUp, PageSize: 100})
	if err != nil {
		k.t.Fatal(err)
	}
	var got []string
	for _, p := range res.GetSeatings() {
		if p.GetDate() == k.date {
			got = append(got, p.GetOfferId()+" "+p.GetStatus().String())
		}
	}
	if len(got) != 1 || !strings.HasSuffix(got[0], want.String()) {
		k.t.Errorf("the guest's seatings on %s: %v, want one %v", k.date, got, want)
	}
}
