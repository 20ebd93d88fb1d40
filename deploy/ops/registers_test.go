package ops_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// newcomer is a valid participant of org, as the writer registers them.
func newcomer(org, municipality string) *participantsv1.Participant {
	return &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: municipality, GivenName: "Replika",
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1},
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "ar"}},
	}
}

// listed reports whether the participants replica pc lists id among org's
// newcomers in municipality (every page).
func listed(ctx context.Context, pc participantsv1.ParticipantServiceClient, org, municipality, id string) (bool, error) {
	token := ""
	for {
		page, err := pc.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{OrganisationId: org,
			MunicipalityCode: municipality, PageSize: 500, PageToken: token})
		if err != nil {
			return false, err
		}
		for _, p := range page.GetParticipants() {
			if p.GetId() == id {
				return true, nil
			}
		}
		if token = page.GetNextPageToken(); token == "" {
			return false, nil
		}
	}
}

// TestRegisters_TwoReplicasReadTheirWrites runs two processes of each
// register, as make up and production do (ADR 0268), and writes through
// one while reading through the other at once: a create, an update and an
// erasure made on participants-1 must be what participants-2 answers right
// after, by Get and by List (its index), and one request id sent to both
// at once must make one record.
func TestRegisters_TwoReplicasReadTheirWrites(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the layout")
	}
	s := mustUpWith(t, layout.Options{NATSNodes: 3, Registers: 2, Services: []string{"participants", "volunteers"}})
	ctx := testutil.Context(t)
	org, err := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers-1")).CreateOrganisation(ctx,
		&volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{Name: "Två repliker",
			Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0180", "0380"}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.GetOrganisation().GetId()
	if _, err := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers-2")).GetOrganisation(ctx,
		&volunteersv1.GetOrganisationRequest{Id: orgID}); err != nil {
		t.Errorf("organisation made on volunteers-1, read at once on volunteers-2: %v", err)
	}
	p1 := participantsv1.NewParticipantServiceClient(s.dial(t, "participants-1"))
	p2 := participantsv1.NewParticipantServiceClient(s.dial(t, "participants-2"))

	// Each participants replica learns the new organisation from the
	// VOLUNTEERS stream; on a cluster that has just formed, under load, its
	// feed can take longer than the 3-s check (the consumer is being placed
	// or recreated) and the honest answer is "try again" (Unavailable).
	// That is the start, not what this test measures: wait until both
	// take the organisation, as a client asked to try again does.
	for name, pc := range map[string]participantsv1.ParticipantServiceClient{"participants-1": p1, "participants-2": p2} {
		began := time.Now()
		for {
			_, err := pc.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{ValidateOnly: true,
				Participant: newcomer(orgID, "0180")})
			if err == nil {
				break
			}
			if status.Code(err) != codes.Unavailable || time.Since(began) > 30*time.Second {
				t.Fatalf("%s: the new organisation is not taken after %v: %v", name, time.Since(began).Round(time.Millisecond), err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%s took the new organisation after %v", name, time.Since(began).Round(time.Millisecond))
	}

	const n = 100
	var problems []string
	note := func(format string, a ...any) {
		if len(problems) < 30 {
			problems = append(problems, fmt.Sprintf(format, a...))
		}
	}
	tally := map[string]int{}
	// A read on the other replica right after a write may miss it for a
	// few milliseconds (its index follows the bucket's watch; a direct get
	// may reach a node a write or two behind): tallied and logged, ADR
	// 0268's figures. What must hold is that it is there soon after.
	eventually := func(what string, ok func() error) {
		if err := ok(); err == nil {
			return
		}
		tally[what]++
		deadline := time.Now().Add(5 * time.Second)
		for {
			err := ok()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				note("%s: still after 5 s: %v", what, err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for i := range n {
		created, err := p1.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{RequestId: fmt.Sprintf("two-%03d", i),
			Participant: newcomer(orgID, "0180")})
		if err != nil {
			t.Fatalf("create %d on participants-1: %v", i, err)
		}
		id := created.GetParticipant().GetId()
		eventually("list after create", func() error { return want(listed(ctx, p2, orgID, "0180", id)) })
		eventually("get after create", func() error {
			_, err := p2.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id})
			return err
		})
		upd := created.GetParticipant()
		upd.MunicipalityCode = "0380"
		if _, err := p1.UpdateParticipant(ctx, &participantsv1.UpdateParticipantRequest{Participant: upd,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"municipality_code"}}}); err != nil {
			t.Fatalf("update %d on participants-1: %v", i, err)
		}
		eventually("list after update", func() error { return want(listed(ctx, p2, orgID, "0380", id)) })
		eventually("get after update", func() error {
			got, err := p2.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id})
			if err == nil && got.GetParticipant().GetMunicipalityCode() != "0380" {
				err = fmt.Errorf("municipality %q, the one before the update", got.GetParticipant().GetMunicipalityCode())
			}
			return err
		})
		if i%3 != 0 {
			continue
		}
		if _, err := p1.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: id}); err != nil {
			t.Fatalf("erase %d on participants-1: %v", i, err)
		}
		eventually("list after erasure", func() error { return wantNot(listed(ctx, p2, orgID, "0380", id)) })
		eventually("get after erasure", func() error {
			if _, err := p2.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id}); status.Code(err) != codes.NotFound {
				return fmt.Errorf("erased, read as %v", status.Code(err))
			}
			return nil
		})
	}

	// One request id sent to both replicas at once: one record.
	for i := range 20 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[string]bool{}
		for _, pc := range []participantsv1.ParticipantServiceClient{p1, p2} {
			wg.Go(func() {
				res, err := pc.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{RequestId: fmt.Sprintf("both-%03d", i),
					Participant: newcomer(orgID, "0180")})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					note("request both-%03d: %v", i, err)
					return
				}
				got[res.GetParticipant().GetId()] = true
			})
		}
		wg.Wait()
		if len(got) > 1 {
			note("request both-%03d made %d records", i, len(got))
		}
	}
	// One organisation name sent to both volunteers replicas at once: one
	// organisation, the other told the name is taken (ADR 0263).
	v1 := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers-1"))
	v2 := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers-2"))
	for i := range 10 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		made, taken := 0, 0
		for _, vc := range []volunteersv1.VolunteerServiceClient{v1, v2} {
			wg.Go(func() {
				// "Try again" (Unavailable) is a true answer while the
				// other's create is in flight: asked again, as a client
				// does, it must become one of the two below.
				var err error
				for try := 0; try < 50; try++ {
					_, err = vc.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
						Name: fmt.Sprintf("Samtidig förening %d", i), Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION,
						MunicipalityCodes: []string{"0180"}}})
					if status.Code(err) != codes.Unavailable {
						break
					}
					mu.Lock()
					tally["name told try again"]++
					mu.Unlock()
					time.Sleep(100 * time.Millisecond)
				}
				mu.Lock()
				defer mu.Unlock()
				switch status.Code(err) {
				case codes.OK:
					made++
				case codes.AlreadyExists:
					taken++
				default:
					note("name %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if made != 1 || taken != 1 {
			note("one name sent to both volunteers replicas: %d organisations made, %d told it is taken; want 1 and 1", made, taken)
		}
	}
	t.Logf("%d creates and updates, %d erasures on participants-1; reads on participants-2 that missed the write at once: %v", n, (n+2)/3, tally)
	for _, p := range problems {
		t.Error(p)
	}

	// kill -9 of one replica during a burst of creates through a client
	// that balances over both, as the gateway's does: every acknowledged
	// create is there once, with one registered event, and no request made
	// a second record.
	burst, err := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers-2")).CreateOrganisation(ctx,
		&volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{Name: "Skur förening",
			Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0180"}}})
	if err != nil {
		t.Fatal(err)
	}
	both := participantsv1.NewParticipantServiceClient(s.dialAll(t, "participants-1", "participants-2"))
	writers := make([]*writer, 3)
	wctx, stopWriters := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range writers {
		writers[i] = &writer{pc: both, org: burst.GetOrganisation().GetId(), acked: map[string]string{}, timeout: 3 * time.Second}
		wg.Go(func() { writers[i].run(wctx, fmt.Sprintf("burst%d", i)) })
	}
	defer func() { stopWriters(); wg.Wait() }()
	writers[0].waitWrites(t, 10)
	if err := s.Kill("participants-1"); err != nil {
		t.Fatal(err)
	}
	writers[0].waitWrites(t, 10)
	if err := s.Restart(ctx, "participants-1"); err != nil {
		t.Fatal(err)
	}
	writers[0].waitWrites(t, 10)
	stopWriters()
	wg.Wait()
	acked, failed := map[string]string{}, 0
	for i, w := range writers {
		// The create each writer had in flight when it stopped may have
		// made a record: sent again under its request id, it is answered
		// with that record, as a client that retries is.
		req := fmt.Sprintf("burst%d-%05d", i, len(w.acked))
		testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
			res, err := both.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{RequestId: req, Participant: w.newcomer()})
			if err == nil {
				w.acked[req] = res.GetParticipant().GetId()
			}
			return err
		})
		maps.Copy(acked, w.acked)
		failed += w.failures
	}
	t.Logf("burst: %d creates acknowledged across participants-1's kill -9 and restart, %d failed attempts retried", len(acked), failed)
	s.verifyWrites(t, both, acked, "nats-2")
	// No request made a record it was not answered with.
	var records int
	testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		records = 0
		token := ""
		for {
			page, err := both.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{OrganisationId: burst.GetOrganisation().GetId(),
				PageSize: 500, PageToken: token})
			if err != nil {
				return err
			}
			records += len(page.GetParticipants())
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
		if records < len(acked) {
			return fmt.Errorf("%d records listed, %d acknowledged", records, len(acked))
		}
		return nil
	})
	if records != len(acked) {
		t.Errorf("%d records of %d acknowledged creates: a retried request made a second record", records, len(acked))
	}
}

// dialAll connects to the named processes as one balanced client, as the
// gateway reaches a service's replicas (grpcx.StaticTarget).
func (s *system) dialAll(t *testing.T, names ...string) *grpc.ClientConn {
	t.Helper()
	var addrs []string
	for _, name := range names {
		addrs = append(addrs, mustProc(t, s, name).Addr)
	}
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(s.key, "local", time.Now),
		auth.Claims{Subject: "ops-test", Role: auth.RoleAdmin}, 10*time.Minute))
	cc, err := grpcx.Dial(grpcx.StaticTarget(addrs...), grpc.WithPerRPCCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// want is nil when listed found the record.
func want(ok bool, err error) error {
	if err == nil && !ok {
		err = errors.New("not listed")
	}
	return err
}

// wantNot is nil when listed did not find the record.
func wantNot(ok bool, err error) error {
	if err == nil && ok {
		err = errors.New("still listed")
	}
	return err
}
