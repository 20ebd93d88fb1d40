package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestReplayChangesNothing: the participants' and volunteers' events
// delivered again (the same envelopes, and older ones after newer) leave
// the pool, the sign-ups and the seatings as they were.
func TestReplayChangesNothing(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	reg := envelope(t, events.ParticipantRegistered, "g-1", &eventsv1.ParticipantRegistered{Facts: guestFacts("g-1", orgA, "0180")})
	host := envelope(t, events.VolunteerRegistered, "h-1", &eventsv1.VolunteerRegistered{Facts: hostFacts("h-1", orgA, "0180")})
	e.publish(ctx, reg, host)
	e.waitPool(ctx, []string{"g-1"}, []string{"h-1"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(5)))
	s := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(5)))
	job := e.runJob(ctx, c, "replay", "0180")
	before := seatingsOf(ctx, t, c, job.GetId())
	if len(before) != 1 {
		t.Fatalf("got %d seatings, want 1", len(before))
	}
	// Consent withdrawn, then the old registration replayed with a new
	// message id (as after the dedupe window): the withdrawal is newer, so
	// the guest stays out and the seating stays withdrawn.
	withdrawn := guestFacts("g-1", orgA, "0180")
	withdrawn.ConsentedPurposes = nil
	e.publish(ctx, envelope(t, events.ParticipantConsentChanged, "g-1", &eventsv1.ParticipantConsentChanged{ParticipantId: "g-1", Facts: withdrawn}))
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		res, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: before[0].GetId()})
		if err != nil {
			return err
		}
		if res.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_WITHDRAWN {
			return fmt.Errorf("status %v", res.GetSeating().GetStatus())
		}
		return nil
	})
	again := proto.Clone(reg).(*eventsv1.Envelope)
	again.Id = "replayed-" + reg.GetId()
	e.publish(ctx, reg, again, host)
	// A marker event after the replays: once it is applied, so are they.
	e.people(ctx, orgA, "0180", []string{"g-marker"}, nil)
	if _, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "again", SignUp: signUp("g-1", orgA, "0180", 1, date(5))}); code(err) != codes.InvalidArgument {
		t.Errorf("sign-up of a guest whose consent was withdrawn: got %v, want InvalidArgument", err)
	}
	res, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: before[0].GetId()})
	if err != nil || res.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_WITHDRAWN {
		t.Errorf("after replay: %v %v", res.GetSeating(), err)
	}
	if _, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s.GetId()}); err != nil {
		t.Errorf("the sign-up itself stays: %v", err)
	}
}

// TestEraseGuestAndHost: erasing a guest removes their sign-ups, seatings
// (with their events, one erased event left) and their traces in job
// results; erasing a host removes their offers and seatings, and frees
// nothing twice.
func TestEraseGuestAndHost(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1", "h-2"})
	c := e.as(coordA)
	o1 := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 2, date(5)))
	o2 := e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 2, date(6)))
	s1 := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(5)))
	s2 := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(6)))
	s3 := e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 2, date(5))) // unseated: seats taken
	job := e.runJob(ctx, c, "erase", "0180")
	ss := seatingsOf(ctx, t, c, job.GetId())
	if len(ss) != 2 {
		t.Fatalf("got %d seatings, want 2", len(ss))
	}
	un, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job.GetId()})
	if err != nil || un.GetTotalSize() != 1 || un.GetUnseated()[0].GetSignUpId() != s3.GetId() {
		t.Fatalf("unseated before erasure: %v %v", un, err)
	}
	e.publish(ctx,
		envelope(t, events.ParticipantErased, "g-1", &eventsv1.ParticipantErased{ParticipantId: "g-1"}),
		envelope(t, events.ParticipantErased, "g-3", &eventsv1.ParticipantErased{ParticipantId: "g-3"}),
		envelope(t, events.VolunteerErased, "h-2", &eventsv1.VolunteerErased{VolunteerId: "h-2"}))
	testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
		for _, id := range []string{s1.GetId(), s3.GetId()} {
			if _, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: id}); code(err) != codes.NotFound {
				return fmt.Errorf("sign-up %s: %v", id, err)
			}
		}
		if _, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o2.GetId()}); code(err) != codes.NotFound {
			return fmt.Errorf("offer of the erased host: %v", err)
		}
		for _, p := range ss {
			if _, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: p.GetId()}); code(err) != codes.NotFound {
				return fmt.Errorf("seating %s: %v", p.GetId(), err)
			}
		}
		return nil
	})
	// The other records stay.
	if _, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s2.GetId()}); err != nil {
		t.Errorf("other guest's sign-up: %v", err)
	}
	if _, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o1.GetId()}); err != nil {
		t.Errorf("other host's offer: %v", err)
	}
	// The job's stored result and snapshot forget them.
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		un, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job.GetId()})
		if err != nil {
			return err
		}
		if un.GetTotalSize() != 0 {
			return fmt.Errorf("unseated still lists %v", un.GetUnseated())
		}
		return nil
	})
	store, err := e.nats.JS.ObjectStore(ctx, "dinners_job_data")
	if err != nil {
		t.Fatal(err)
	}
	// Listed and read again until every object reads: erasure rewrites the
	// snapshot after the result, and an object replaced while it is read
	// loses its chunks under the reader ("read pipe: i/o timeout", CI s30).
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		objs, err := store.List(ctx)
		if err != nil {
			return err
		}
		for _, info := range objs {
			raw, err := store.GetBytes(ctx, info.Name)
			if err != nil {
				return fmt.Errorf("job object %s: %w", info.Name, err)
			}
			for _, id := range []string{"g-1", "g-3", "h-2", s1.GetId(), o2.GetId()} {
				if strings.Contains(string(raw), id) {
					return fmt.Errorf("job object %s still names %s", info.Name, id)
				}
			}
		}
		return nil
	})
	// Of each seating's events only the erased one remains on the stream.
	st, err := e.nats.JS.Stream(ctx, events.StreamDinners)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ss {
		testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
			info, err := st.Info(ctx, jetstream.WithSubjectFilter("dinners.seating.*."+p.GetId()))
			if err != nil {
				return err
			}
			want := map[string]uint64{events.SeatingErased + "." + p.GetId(): 1}
			if len(info.State.Subjects) != 1 || info.State.Subjects[events.SeatingErased+"."+p.GetId()] != 1 {
				return fmt.Errorf("seating %s: events %v, want %v", p.GetId(), info.State.Subjects, want)
			}
			return nil
		})
	}
}
