package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEraseHostKeepsGuest: a host proposed to a guest is erased; the
// seating (sealed with the guest's key) is erased with them, and the
// guest, who is not erased, stays: their registration and sign-up read
// as before. Before ADR 0159 the seating's purge shredded the guest's
// data key, which erased the guest in every service: every guest a host
// had been seated with went with the host.
func TestEraseHostKeepsGuest(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	l, _, stop := startStack(t, cfg)
	defer stop()
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	m := newMarkers(t)
	pp := startProgrammePeople(t, ctx, cfg, l, c, "Erase host", m, m, m)
	dc, signUp, seating := seatGuest(t, ctx, cfg, l, pp, "eh")
	if _, err := c.v.EraseVolunteer(ctx, &volunteersv1.EraseVolunteerRequest{Id: pp.host}); err != nil {
		t.Fatalf("erase host: %v", err)
	}
	settleProgrammes(t, ctx, l)
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if _, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seating}); err == nil {
			return fmt.Errorf("the erased host's seating is still there")
		}
		return nil
	})
	if _, err := c.p.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: pp.guest}); err != nil {
		t.Errorf("the guest after the host's erasure: %v", err)
	}
	if _, err := dc.GetSignUp(ctx, &dinnersv1.GetSignUpRequest{Id: signUp}); err != nil {
		t.Errorf("the guest's sign-up after the host's erasure: %v", err)
	}
}

// seatGuest offers pp's host a dinner and signs pp's guest up for it
// (request ids starting with prefix), runs the dinners' matching and
// returns the seating it made, with the sign-up's id.
func seatGuest(t *testing.T, ctx context.Context, cfg Config, l *Listening, pp programmePeople, prefix string) (dc dinnersv1.DinnerServiceClient, signUp, seating string) {
	t.Helper()
	dc = dinnersv1.NewDinnerServiceClient(stackConn(t, cfg, l, "dinners"))
	if err := retry(ctx, func() error {
		_, err := dc.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: prefix + "-offer", Offer: &dinnersv1.Offer{
			OrganisationId: pp.org, MunicipalityCode: "0880", VolunteerId: pp.host, Seats: 4, Address: "Storgatan 1, Kalmar",
			Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar", "sv"},
			Dinners: []*dinnersv1.Dinner{{Date: pp.day, StartTime: "18:00"}}}})
		return err
	}); err != nil {
		t.Fatalf("create offer: %v", err)
	}
	if err := retry(ctx, func() error {
		res, err := dc.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: prefix + "-signup", SignUp: &dinnersv1.SignUp{
			OrganisationId: pp.org, MunicipalityCode: "0880", ParticipantId: pp.guest, Languages: []string{"ar"}, Dates: []string{pp.day},
			Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_COUPLE,
			Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}})
		signUp = res.GetSignUp().GetId()
		return err
	}); err != nil {
		t.Fatalf("create sign-up: %v", err)
	}
	job, err := dc.StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: prefix + "-dinners", OrganisationId: pp.org, MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		j, err := dc.GetJob(ctx, &dinnersv1.GetJobRequest{Id: job.GetJob().GetId()})
		if err != nil {
			return err
		}
		if s := j.GetJob().GetState(); s != dinnersv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("dinners job %v %s", s, j.GetJob().GetErrorMessage())
		}
		return nil
	})
	ss, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: job.GetJob().GetId()})
	if err != nil || len(ss.GetSeatings()) != 1 {
		t.Fatalf("seatings: %v, %v", ss, err)
	}
	return dc, signUp, ss.GetSeatings()[0].GetId()
}
