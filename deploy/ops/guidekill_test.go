package ops_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_KillNineThroughAGuidesAssignment walks two assignments of one
// guides job through every step after the job (approve, the newcomer's
// and the organisation's acceptance, activation, end) through make up's
// layout: one with the guides replica doing each step kill -9ed, during
// the call or just after it acknowledged (the caller then retries on the
// other replica, as a client whose answer was lost does), the other with
// no kills, as the measure (ADR 0270). Each killed replica is started
// again. Then both replicas agree on each assignment, it ended once, the
// one walked through kills has as many events on the GUIDES stream as the
// one without, and each newcomer had as many e-mails. Then the consumer:
// newcomers are registered and one erased while both guides replicas,
// whose pools follow the participants' stream, are killed in turn; after
// the restart both replicas' eligibility agrees with the registry.
func TestUp_KillNineThroughAGuidesAssignment(t *testing.T) {
	t.Parallel()
	mustBinaries(t)
	start := time.Now()
	s, sink := mustUpMailing(t)
	s.seed(t, 150, 50)
	ctx := testutil.Context(t)
	wait := grpc.WithDefaultCallOptions(grpc.WaitForReady(true))
	g := map[string]guidesv1.GuideServiceClient{}
	redial := func(name string) { g[name] = guidesv1.NewGuideServiceClient(s.dial(t, name, wait)) }
	redial("guides-1")
	redial("guides-2")
	s.waitNoLag(t, "guides-1", "guides-2")
	res, err := g["guides-1"].StartAssignmentJob(ctx, &guidesv1.StartAssignmentJobRequest{RequestId: "guidekill"})
	if err != nil {
		t.Fatalf("StartAssignmentJob: %v", err)
	}
	job := res.GetJob().GetId()
	awaitSucceeded(t, "guides job", job, guidesv1.JobState_JOB_STATE_SUCCEEDED, func() (guidesv1.JobState, error) {
		j, err := g["guides-1"].GetJob(ctx, &guidesv1.GetJobRequest{Id: job})
		return j.GetJob().GetState(), err
	})
	list, err := g["guides-1"].ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: job, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetAssignments()) < 2 {
		t.Fatalf("guides job %s proposed %d assignments, want 2: grow the seed", job, len(list.GetAssignments()))
	}
	killed, measure := list.GetAssignments()[0].GetId(), list.GetAssignments()[1].GetId()

	kills := 0
	var outcomes []string
	type step struct {
		name string
		call func(via, id string) error
		want eventsv1.AssignmentStatus
	}
	steps := []step{
		{"approve", func(via, id string) error {
			_, err := g[via].ApproveAssignment(ctx, &guidesv1.ApproveAssignmentRequest{Id: id})
			return err
		}, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED},
		{"newcomer accepts", func(via, id string) error {
			_, err := g[via].AcceptAssignment(ctx, &guidesv1.AcceptAssignmentRequest{Id: id, Party: guidesv1.AcceptingParty_ACCEPTING_PARTY_NEWCOMER})
			return err
		}, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED},
		{"organisation accepts", func(via, id string) error {
			_, err := g[via].AcceptAssignment(ctx, &guidesv1.AcceptAssignmentRequest{Id: id, Party: guidesv1.AcceptingParty_ACCEPTING_PARTY_ORGANISATION})
			return err
		}, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED},
		{"activate", func(via, id string) error {
			_, err := g[via].ActivateAssignment(ctx, &guidesv1.ActivateAssignmentRequest{Id: id})
			return err
		}, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE},
		{"end", func(via, id string) error {
			_, err := g[via].EndAssignment(ctx, &guidesv1.EndAssignmentRequest{Id: id, Reason: eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_PERIOD_OVER})
			return err
		}, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED},
	}
	get := func(via, id string) *guidesv1.Assignment {
		t.Helper()
		a, err := g[via].GetAssignment(ctx, &guidesv1.GetAssignmentRequest{Id: id})
		if err != nil {
			t.Fatalf("GetAssignment %s via %s: %v", id, via, err)
		}
		return a.GetAssignment()
	}
	js := userJetStream(t, s, "", "")
	for k, st := range steps {
		if err := st.call("guides-2", measure); err != nil {
			t.Fatalf("%s (no kill): %v", st.name, err)
		}
		// Even steps: killed during the call (after a delay that grows,
		// so the kill lands earlier or later in it); odd: just after the
		// answer. The killed replica alternates.
		victim, other := "guides-1", "guides-2"
		if k%2 == 1 {
			victim, other = other, victim
		}
		before := get(other, killed)
		var err error
		if k%2 == 0 {
			errs := make(chan error, 1)
			go func() { errs <- st.call(victim, killed) }()
			time.Sleep(time.Duration(2*k+1) * time.Millisecond)
			if kerr := s.Kill(victim); kerr != nil {
				t.Fatal(kerr)
			}
			err = <-errs
		} else {
			err = st.call(victim, killed)
			if kerr := s.Kill(victim); kerr != nil {
				t.Fatal(kerr)
			}
		}
		kills++
		if rerr := s.Restart(ctx, victim); rerr != nil {
			t.Fatal(rerr)
		}
		redial(victim)
		s.waitNoLag(t, "guides-1", "guides-2")
		after := get(victim, killed)
		stored := !sameAssignment(before, after)
		outcome := fmt.Sprintf("%s, %s killed %s: %v, stored %v", st.name, victim,
			map[bool]string{true: "during the call", false: "after the answer"}[k%2 == 0], code(err), stored)
		if err == nil && !stored {
			t.Errorf("%s acknowledged but not stored (%s)", st.name, after.GetStatus())
		}
		if err != nil {
			// The caller retries what it was not told: it must end stored,
			// and the retry's answer be true.
			// Aborted ("changed; try again") is what a write the dead
			// replica left half done is answered until a live replica
			// settles it (the kit's recovery, seconds): try again, as
			// the answer says.
			var rerr error
			tries := 0
			_ = eventually(30*time.Second, 500*time.Millisecond, func() error {
				tries++
				rerr = st.call(other, killed)
				if c := status.Code(rerr); c == codes.Aborted || c == codes.Unavailable {
					return rerr
				}
				return nil
			})
			outcome += fmt.Sprintf("; retried (%d tries): %v", tries, code(rerr))
			switch {
			case rerr == nil:
			case status.Code(rerr) == codes.FailedPrecondition && !sameAssignment(before, get(other, killed)):
				// Stored (by the killed call, or settled after it), and
				// the retry is told it cannot be done: ADR 0272 makes a
				// retry of a stored step OK, so this is a failure now.
				t.Errorf("%s after a kill: stored, and its retry told %s (ADR 0272: a retry of a stored step is OK)", st.name, code(rerr))
			default:
				t.Errorf("%s after a kill (stored %v): its retry failed: %v", st.name, stored, rerr)
			}
		}
		outcomes = append(outcomes, outcome)
		// The step's event, once: as many as the measure has.
		// A write whose replica died before its event went out is
		// published by the relay of the other (the outbox): later.
		var ev map[string]int
		t0 := time.Now()
		err = eventually(30*time.Second, 200*time.Millisecond, func() error {
			if ev = assignmentEvents(ctx, t, js); ev[killed] != ev[measure] {
				return fmt.Errorf("%d events, the measure %d", ev[killed], ev[measure])
			}
			return nil
		})
		if err != nil {
			t.Errorf("after %s: the assignment walked through kills has %d GUIDES events, the one without %d", st.name, ev[killed], ev[measure])
		} else if d := time.Since(t0); d > time.Second {
			outcomes = append(outcomes, fmt.Sprintf("%s: its event on the stream %v after the restart", st.name, d.Round(100*time.Millisecond)))
		}
		if k == 0 {
			// The offer, mailed once to each newcomer before either
			// answers (notify mails only an offer that still stands).
			testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
				if n := len(sink.distinct()); n < 2 {
					return fmt.Errorf("%d of 2 guide offers mailed", n)
				}
				return nil
			})
		}
		for _, r := range []string{"guides-1", "guides-2"} {
			if a := get(r, killed); a.GetStatus() != st.want {
				t.Errorf("after %s via %s: %s, want %s", st.name, r, a.GetStatus(), st.want)
			}
		}
	}
	ev := assignmentEvents(ctx, t, js)
	s.waitNoLag(t, "notify-1", "notify-2")
	mails := sink.distinct()
	checkOneMessageEach(t, mails)
	per := map[string]int{}
	for _, body := range mails {
		per[headerOf(body, "to")]++
	}
	if c := countsOf(per); len(c) != 1 || len(per) != 2 {
		t.Errorf("e-mails per newcomer differ between the assignment walked through kills and the measure: %v", c)
	}
	for _, o := range outcomes {
		t.Log(o)
	}
	t.Logf("events: killed %d, measure %d; e-mails %v, per newcomer %v; %d transmissions", ev[killed], ev[measure], subjectsOf(mails), countsOf(per), sink.transmissions())
	kills += s.consumerThroughKills(t, g)
	t.Logf("%d kill -9 through a guides assignment and the pool in %v after the build", kills, time.Since(start).Round(time.Second))
}

// consumerThroughKills registers newcomers and erases one while both
// guides replicas are killed in turn (their pools follow the
// participants' stream); after the restart both replicas' eligibility
// agrees with the registry. It returns the kills.
func (s *system) consumerThroughKills(t *testing.T, g map[string]guidesv1.GuideServiceClient) int {
	t.Helper()
	ctx := testutil.Context(t)
	gp, _ := s.Proc("gateway")
	api := &gatewayAPI{t: t, base: "http://" + gp.Addr}
	api.token = api.call("ApiTokenService/CreateApiToken", map[string]any{
		"email": "admin@example.org", "password": "correct-horse-battery", "name": "guidekill"})["token"].(string)
	org := s.programmeOrg(t).GetId()
	m := newPlanted()
	var made []string
	kills := 0
	for i := range 6 {
		switch i {
		case 2:
			if err := s.Kill("guides-1"); err != nil {
				t.Fatal(err)
			}
			kills++
		case 4:
			if err := s.Restart(ctx, "guides-1"); err != nil {
				t.Fatal(err)
			}
			if err := s.Kill("guides-2"); err != nil {
				t.Fatal(err)
			}
			kills++
		}
		// A newcomer the guides programme follows: a permit, an age and
		// the guides consent.
		p := api.call("RegistryService/CreateParticipant", map[string]any{"participant": m.person(org, "n", i, map[string]any{
			"residencePermitDate": time.Now().AddDate(0, -6, 0).Format(time.DateOnly), "birthYear": 1990,
			"consents": []any{map[string]any{"purpose": "CONSENT_PURPOSE_GUIDES", "textVersion": "2026-01", "language": "sv"}}})})["participant"].(map[string]any)
		made = append(made, p["id"].(string))
	}
	api.call("RegistryService/EraseParticipant", map[string]any{"id": made[0]})
	if err := s.Restart(ctx, "guides-2"); err != nil {
		t.Fatal(err)
	}
	wait := grpc.WithDefaultCallOptions(grpc.WaitForReady(true))
	for _, r := range []string{"guides-1", "guides-2"} {
		g[r] = guidesv1.NewGuideServiceClient(s.dial(t, r, wait))
	}
	s.waitNoLag(t, "guides-1", "guides-2")
	for k, id := range made {
		var seen []string
		for _, r := range []string{"guides-1", "guides-2"} {
			e, err := g[r].GetEligibility(ctx, &guidesv1.GetEligibilityRequest{ParticipantId: id})
			if k == 0 {
				if status.Code(err) != codes.NotFound {
					t.Errorf("the newcomer erased while guides was killed, via %s: %v %v, want NotFound", r, e.GetEligibility().GetEntitlement(), err)
				}
				continue
			}
			if err != nil {
				t.Errorf("newcomer %d registered through the kills, via %s: %v", k, r, err)
				continue
			}
			seen = append(seen, fmt.Sprint(e.GetEligibility().GetEntitlement(), e.GetEligibility().GetMunicipalityCode()))
		}
		if len(seen) == 2 && seen[0] != seen[1] {
			t.Errorf("newcomer %d: the replicas disagree: %v", k, seen)
		}
	}
	t.Logf("pool: %d newcomers registered and one erased through %d kills; both replicas agree", len(made), kills)
	return kills
}

// sameAssignment reports whether a step left an assignment as it was.
func sameAssignment(a, b *guidesv1.Assignment) bool {
	return a.GetStatus() == b.GetStatus() && a.GetNewcomerAccepted() == b.GetNewcomerAccepted() &&
		a.GetOrganisationAccepted() == b.GetOrganisationAccepted()
}

// code is an error's gRPC code, or OK.
func code(err error) string { return status.Code(err).String() }

// assignmentEvents counts the GUIDES stream's assignment events by
// assignment (their subjects' last token).
func assignmentEvents(ctx context.Context, t *testing.T, js jetstream.JetStream) map[string]int {
	t.Helper()
	st, err := js.Stream(ctx, "GUIDES")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("guides.assignment.>"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for subj, n := range info.State.Subjects {
		parts := strings.Split(subj, ".")
		out[parts[len(parts)-1]] += int(n)
	}
	return out
}

// countsOf is how many people got how many e-mails, without their
// addresses (a test's log holds no personal data).
func countsOf(per map[string]int) map[int]int {
	out := map[int]int{}
	for _, n := range per {
		out[n]++
	}
	return out
}

// eventually is fn's last error after it has failed until timeout, or nil
// once it succeeds: CheckFor for a test that goes on after a failure.
func eventually(timeout, interval time.Duration, fn func() error) error {
	end := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil || time.Now().After(end) {
			return err
		}
		time.Sleep(interval)
	}
}
