package server_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestWaitingNewcomersOnAReplicaStartedLater: the pool is rebuilt from
// the streams at start (a restart, a new replica, after kill -9), so a
// replica started after the events lists the same newcomers with the same
// wait starts as one that heard them live, also for events published
// before the facts told the consent's time: such a newcomer waits from
// the event that brought them in, an old-format update after it keeps
// that start, and one who withdrew and gave consent again waits from the
// new consent's event; an erased newcomer is on neither list (ADR 0176).
func TestWaitingNewcomersOnAReplicaStartedLater(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 1, server.Options{})
	mentoring := eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
	fact := func(id string, consent ...eventsv1.ConsentPurpose) *eventsv1.ParticipantFacts {
		return &eventsv1.ParticipantFacts{ParticipantId: id, OrganisationId: orgA, MunicipalityCode: "0180", ConsentedPurposes: consent}
	}
	ev := func(subject string, f *eventsv1.ParticipantFacts) *eventsv1.Envelope {
		var payload proto.Message
		switch subject {
		case events.ParticipantRegistered:
			payload = &eventsv1.ParticipantRegistered{Facts: f}
		case events.ParticipantUpdated:
			payload = &eventsv1.ParticipantUpdated{Facts: f, ChangedFields: []string{"interests"}}
		case events.ParticipantErased:
			payload = &eventsv1.ParticipantErased{ParticipantId: f.GetParticipantId()}
		default:
			payload = &eventsv1.ParticipantConsentChanged{ParticipantId: f.GetParticipantId(), Purpose: mentoring,
				Granted: len(f.GetConsentedPurposes()) > 0, Facts: f}
		}
		return envelope(t, subject, f.GetParticipantId(), payload)
	}
	given := time.Date(2025, 12, 24, 8, 0, 0, 0, time.UTC)
	told := fact("p-told", mentoring)
	told.ConsentsGiven = []*eventsv1.ConsentGiven{{Purpose: mentoring, GivenAt: given.Format(time.RFC3339Nano)}}
	oldReg := ev(events.ParticipantRegistered, fact("p-old", mentoring))
	backReg := ev(events.ParticipantRegistered, fact("p-back", mentoring))
	backOut := ev(events.ParticipantConsentChanged, fact("p-back"))
	backIn := ev(events.ParticipantConsentChanged, fact("p-back", mentoring))
	oldUpd := ev(events.ParticipantUpdated, fact("p-old", mentoring))
	envs := []*eventsv1.Envelope{oldReg, backReg, ev(events.ParticipantRegistered, told), backOut, backIn, oldUpd,
		ev(events.ParticipantRegistered, fact("p-gone", mentoring)), ev(events.ParticipantErased, fact("p-gone"))}
	e.publishAll(ctx, envs)
	e.waitPool(ctx, 4, 0) // p-gone's tombstone counts

	want := map[string]time.Time{"p-old": oldReg.GetOccurredAt().AsTime(), "p-back": backIn.GetOccurredAt().AsTime(), "p-told": given}
	check := func(k int) error {
		got, err := waitingOf(ctx, t, e.replica(k, coordA), 2)
		if err != nil {
			return err
		}
		if len(got) != len(want) {
			return fmt.Errorf("replica %d lists %v, want %d newcomers", k, waitingIDs(got), len(want))
		}
		for _, w := range got {
			if at, ok := want[w.GetParticipantId()]; !ok || !w.GetWaitStartTime().AsTime().Equal(at) {
				return fmt.Errorf("replica %d: %s waits since %v, want %v (listed: %v)", k, w.GetParticipantId(), w.GetWaitStartTime().AsTime(), at, ok)
			}
		}
		return nil
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error { return check(0) })

	// A replica started now rebuilds its pool from the streams.
	e.addrs = append(e.addrs, e.start(server.Options{}))
	e.waitPool(ctx, 4, 0)
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error { return check(1) })
}
