package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/sync/errgroup"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// speedSeed is what TestPageSpeed seeded: the ids a page needs.
type speedSeed struct {
	newcomers, hosts, guests []string
}

// speedLangs and speedInterests spread the seed over a few values, so
// filters and the matching find something.
var (
	speedLangs     = []string{"ar", "ti", "so", "prs", "uk", "fa"}
	speedInterests = []string{"matlagning", "fotboll", "schack", "musik", "promenader", "handarbete"}
)

// seedSpeed registers nNew newcomers and nVol volunteers in org through
// the gateway, sixteen at a time, and the other programmes in proportion
// without extra people: every fourth newcomer consents to dinners and
// signs up for one, every third is entitled to an establishment guide,
// every tenth volunteer also hosts dinners and offers one; one guide
// organisation per 1,000 newcomers has places in every municipality in
// two languages.
func seedSpeed(t *testing.T, e *env, coord *apiClient, org string, munis []string, nNew, nVol int) speedSeed {
	t.Helper()
	ctx := testutil.Context(t)
	s := speedSeed{newcomers: make([]string, nNew)}
	hosts := make([]string, nVol)
	var g errgroup.Group
	g.SetLimit(16)
	permit := time.Now().AddDate(0, -3, 0).Format(time.DateOnly)
	for i := range nNew {
		g.Go(func() error {
			p := &participantsv1.Participant{
				OrganisationId: org, MunicipalityCode: munis[i%len(munis)], GivenName: fmt.Sprintf("Ny%d", i), FamilyName: "Testsson",
				Languages:    []*typev1.LanguageSkill{{Code: speedLangs[i%len(speedLangs)], Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
				SwedishLevel: typev1.SwedishLevel(1 + i%7), Household: &participantsv1.Household{Size: 1},
				Gender:    typev1.Gender(1 + i%3),
				Interests: []string{speedInterests[i%6], speedInterests[(i%6+1+(i/7)%5)%6]}, // two different ones
				Consents:  []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
			}
			if i%4 == 0 {
				p.Consents = append(p.Consents, &participantsv1.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "2026-01", Language: "sv"})
			}
			if i%3 == 0 {
				p.ResidencePermitDate, p.EstablishmentStatus = permit, eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED
				p.Consents = append(p.Consents, &participantsv1.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES, TextVersion: "2026-01", Language: "sv"})
			}
			res, err := coord.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: p, RequestId: fmt.Sprintf("speed-p-%d", i)}))
			if err == nil {
				s.newcomers[i] = res.Msg.GetParticipant().GetId()
			}
			return err
		})
	}
	for i := range nVol {
		g.Go(func() error {
			roles := []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 1}}
			if i%10 == 0 {
				roles = append(roles, &eventsv1.RoleCapacity{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 1})
			}
			res, err := coord.registry.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
				OrganisationId: org, MunicipalityCode: munis[i%len(munis)], GivenName: fmt.Sprintf("Vol%d", i), FamilyName: "Testsson",
				Languages: []*typev1.LanguageSkill{{Code: speedLangs[i%len(speedLangs)], Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
				Roles:     roles,
				Interests: []string{speedInterests[i%len(speedInterests)]}, BirthYear: 1970 + int32(i%30), HouseholdSize: 1,
				BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly),
					ValidUntil: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
			}, RequestId: fmt.Sprintf("speed-v-%d", i)}))
			if err == nil && i%10 == 0 {
				hosts[i] = res.Msg.GetVolunteer().GetId()
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("seed people: %v", err)
	}

	// Guide organisations, directly at the volunteers service (an admin's
	// act, as in setupGuides).
	vs := e.serviceClient()
	for k := range max(1, nNew/1000) {
		var caps []*eventsv1.GuideCapacity
		for m, muni := range munis {
			for _, l := range []string{speedLangs[(k+m)%len(speedLangs)], speedLangs[(k+m+3)%len(speedLangs)]} {
				caps = append(caps, &eventsv1.GuideCapacity{MunicipalityCode: muni, Language: l, Capacity: 10})
			}
		}
		if _, err := vs.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
			Name: fmt.Sprintf("Lotsar %d", k), Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: munis,
			IsGuideOrganisation: true, GuideCapacities: caps}}); err != nil {
			t.Fatalf("guide organisation: %v", err)
		}
	}

	// Dinner offers and sign-ups. The dinners service learns of hosts and
	// guests from the registers' events, so each create is retried until
	// it knows them (seeding, not an assertion).
	var days []string
	for d := 7; d < 35; d += 7 {
		days = append(days, time.Now().AddDate(0, 0, d).Format(time.DateOnly))
	}
	var mu sync.Mutex
	for i, h := range hosts {
		if h == "" {
			continue
		}
		g.Go(func() error {
			o := &dinnersv1.Offer{MunicipalityCode: munis[i%len(munis)], VolunteerId: h, Seats: 4, Languages: []string{speedLangs[i%len(speedLangs)], "sv"},
				Kitchen: &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}, Composition: dinnersv1.Composition_COMPOSITION_COUPLE}
			for _, d := range days {
				o.Dinners = append(o.Dinners, &dinnersv1.Dinner{Date: d, StartTime: "18:00"})
			}
			return retry(ctx, func() error {
				_, err := coord.dinners.CreateDinnerOffer(ctx, connect.NewRequest(&gatewayv1.CreateDinnerOfferRequest{RequestId: "speed-o-" + h, Offer: o}))
				return err
			}, func() { mu.Lock(); s.hosts = append(s.hosts, h); mu.Unlock() })
		})
	}
	for i, id := range s.newcomers {
		if i%4 != 0 {
			continue
		}
		g.Go(func() error {
			su := &dinnersv1.SignUp{MunicipalityCode: munis[i%len(munis)], ParticipantId: id, SwedishLevel: typev1.SwedishLevel(1 + i%7),
				Party:     []*dinnersv1.PartyMember{{Age: 20 + int32(i%40), Relation: dinnersv1.Relation_RELATION_SELF}},
				Languages: []string{speedLangs[i%len(speedLangs)]}, Dates: days, Composition: dinnersv1.Composition_COMPOSITION_MIXED}
			return retry(ctx, func() error {
				_, err := coord.dinners.CreateDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.CreateDinnerSignUpRequest{RequestId: "speed-s-" + id, SignUp: su}))
				return err
			}, func() { mu.Lock(); s.guests = append(s.guests, id); mu.Unlock() })
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("seed dinners: %v", err)
	}
	return s
}

// retry calls f until it succeeds (then done) for at most a minute: the
// dinners service may not know a person yet when it is asked about them
// (it refuses them as invalid until their event arrives).
// A seeding step, never an assertion: the test's checks come after it.
func retry(ctx context.Context, f func() error, done func()) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		if err == nil {
			done()
			return nil
		}
		if time.Now().After(deadline) { // the service's refusal, as the test sees it
			return fmt.Errorf("%w (fields %v)", err, violations(err))
		}
		t := time.NewTimer(200 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// waitJob polls a job until it succeeds and logs each phase with the time
// it began (issue 12: where the 55 s of the 20k/5k mentoring job go).
func waitJob(t *testing.T, name string, get func() (state, phase string, proposals int32, err error)) time.Duration {
	t.Helper()
	began, last := time.Now(), ""
	testutil.CheckFor(t, 30*time.Minute, 250*time.Millisecond, func() error {
		state, phase, n, err := get()
		if err != nil {
			return err
		}
		if phase != last {
			t.Logf("%s job: phase %q from %v", name, phase, time.Since(began).Round(100*time.Millisecond))
			last = phase
		}
		if strings.HasSuffix(state, "FAILED") || strings.HasSuffix(state, "CANCELLED") {
			t.Fatalf("%s job %s", name, state)
		}
		if !strings.HasSuffix(state, "SUCCEEDED") {
			return fmt.Errorf("%s job %s", name, state)
		}
		t.Logf("%s job: %d proposals in %v", name, n, time.Since(began).Round(100*time.Millisecond))
		return nil
	})
	return time.Since(began)
}
