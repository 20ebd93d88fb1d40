package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// seedSmall publishes one guide organisation (Arabic and Swedish units in
// 0180, one place each) and four newcomers: a woman on full-time parental
// leave, a man, a man whose permit is too old, and one without consent.
func seedSmall(ctx context.Context, e *env) {
	e.t.Helper()
	onLeave := newcomer("p-0001", "0180", "ar", typev1.Gender_GENDER_WOMAN)
	onLeave.ParentalLeave = eventsv1.ParentalLeave_PARENTAL_LEAVE_FULL_TIME
	old := newcomer("p-0003", "0180", "ar", typev1.Gender_GENDER_MAN)
	old.ResidencePermitDate = "2024-01-01"
	noConsent := newcomer("p-0004", "0180", "ar", typev1.Gender_GENDER_MAN)
	noConsent.ConsentedPurposes = nil
	e.publish(ctx,
		organisation(e.t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 1},
			&eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 1}),
		registered(e.t, onLeave), registered(e.t, newcomer("p-0002", "0180", "so", typev1.Gender_GENDER_MAN)),
		registered(e.t, old), registered(e.t, noConsent))
	e.waitKeys(ctx, "guides_newcomers", 4)
	e.waitKeys(ctx, "guides_organisations", 1)
}

func TestEligibilityParentalLeaveAndAuditedRuleChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)

	got, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0001"})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetEligibility().GetEntitlement() != pb.Entitlement_ENTITLEMENT_ENTITLED ||
		!slices.Contains(got.GetEligibility().GetReasons(), "entitled: full-time parental leave does not exclude") {
		t.Fatalf("by default, parental leave: %v", got.GetEligibility())
	}
	old, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0003"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "not entitled: permit older than 24 months"; !slices.Contains(old.GetEligibility().GetReasons(), want) {
		t.Errorf("old permit reasons = %v, want %q", old.GetEligibility().GetReasons(), want)
	}
	if _, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0004"}); code(err) != codes.NotFound {
		t.Errorf("newcomer without consent: %v, want NotFound", err)
	}

	rules, err := c.GetEligibilityRules(ctx, &pb.GetEligibilityRulesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	strict := rules.GetRules()
	strict.FullTimeParentalLeaveExcludes = true
	if _, err := c.UpdateEligibilityRules(ctx, &pb.UpdateEligibilityRulesRequest{Rules: strict, Etag: rules.GetVersion()}); code(err) != codes.PermissionDenied {
		t.Errorf("coordinator changes rules: %v, want PermissionDenied", err)
	}
	a := e.as(admin)
	if _, err := a.UpdateEligibilityRules(ctx, &pb.UpdateEligibilityRulesRequest{Rules: strict, Etag: "stale"}); code(err) != codes.Aborted && code(err) != codes.FailedPrecondition {
		t.Errorf("stale etag: %v, want Aborted", err)
	}
	upd, err := a.UpdateEligibilityRules(ctx, &pb.UpdateEligibilityRulesRequest{Rules: strict, Etag: rules.GetVersion()})
	if err != nil {
		t.Fatal(err)
	}
	if upd.GetVersion() == rules.GetVersion() {
		t.Error("the version did not change")
	}

	// The change is on record as an event with who, before and after.
	cons, err := e.nats.JS.OrderedConsumer(ctx, events.StreamGuides, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.EligibilityRulesChanged + ".>"}})
	// The subject is "<type>.<subject id>" (Publisher.Publish).
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatalf("no rules-changed event: %v", err)
	}
	env := &eventsv1.Envelope{}
	if err := proto.Unmarshal(msg.Data(), env); err != nil {
		t.Fatal(err)
	}
	var ch eventsv1.EligibilityRulesChanged
	if err := env.GetPayload().UnmarshalTo(&ch); err != nil {
		t.Fatal(err)
	}
	if ch.GetChangedBy() != admin.Subject || ch.GetPreviousVersion() != rules.GetVersion() || ch.GetVersion() != upd.GetVersion() ||
		!slices.Contains(ch.GetSettings(), "full_time_parental_leave_excludes=true") {
		t.Errorf("event = %v", &ch)
	}

	// Recomputed at once, with the reason.
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		got, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0001"})
		if err != nil {
			return err
		}
		if !slices.Contains(got.GetEligibility().GetReasons(), "not entitled: on full-time parental leave, which the rules exclude") {
			return errorf("after the change: %v", got.GetEligibility())
		}
		return nil
	})
}

func TestAssignmentFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)

	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1", MunicipalityCodes: []string{"0180"},
		Quotas: []pb.QuotaKind{pb.QuotaKind_QUOTA_KIND_GENDER_PER_MUNICIPALITY}})
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job %v: %s", job.GetState(), job.GetErrorMessage())
	}
	if job.GetCounts()["proposals"] != 2 || job.GetObjective() != job.GetBound() {
		t.Errorf("job counts %v, objective %d bound %d", job.GetCounts(), job.GetObjective(), job.GetBound())
	}
	as := assignments(ctx, t, c, job.GetId())
	byPerson := map[string]*pb.Assignment{}
	for _, a := range as {
		byPerson[a.GetParticipantId()] = a
	}
	if a := byPerson["p-0001"]; a == nil || a.GetLanguage() != "ar" || len(a.GetScoreParts()) == 0 {
		t.Fatalf("the Arabic speaker's assignment: %v", a)
	}
	if a := byPerson["p-0002"]; a == nil || a.GetLanguage() != "sv" {
		t.Fatalf("the Somali speaker's assignment: %v", a)
	}

	declined, err := c.DeclineAssignment(ctx, &pb.DeclineAssignmentRequest{Id: byPerson["p-0002"].GetId(), Party: pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER})
	if err != nil || declined.GetAssignment().GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED {
		t.Fatalf("decline: %v, %v", declined.GetAssignment().GetStatus(), err)
	}
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: byPerson["p-0002"].GetId()}); code(err) != codes.FailedPrecondition {
		t.Errorf("approve a declined assignment: %v", err)
	}

	id := byPerson["p-0001"].GetId()
	if _, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER}); code(err) != codes.FailedPrecondition {
		t.Errorf("accept before approval: %v", err)
	}
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER}); err != nil {
		t.Fatal(err)
	}
	res, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetAssignment().GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED {
		t.Fatalf("after both accepted: %v", res.GetAssignment().GetStatus())
	}
	if _, err := c.ActivateAssignment(ctx, &pb.ActivateAssignmentRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	// The follow-up page's dates (ADR 0139): the guidance started today,
	// and ends with the establishment period, 24 months after the permit
	// (2025-12-01).
	for _, a := range assignments(ctx, t, c, job.GetId()) {
		if a.GetId() != id {
			continue
		}
		if !a.GetStartTime().AsTime().Equal(today) || a.GetPeriodEndDate() != "2027-12-01" {
			t.Errorf("the active assignment: started %v, period ends %q; want %v and 2027-12-01", a.GetStartTime().AsTime(), a.GetPeriodEndDate(), today)
		}
	}

	orgs, err := c.ListGuideOrganisations(ctx, &pb.ListGuideOrganisationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	load := map[string]int32{}
	for _, o := range orgs.GetOrganisations() {
		for _, k := range o.GetCapacities() {
			load[k.GetLanguage()] = k.GetCaseload()
		}
	}
	if load["ar"] != 1 || load["sv"] != 0 {
		t.Errorf("caseload = %v, want ar 1 (derived from the active assignment), sv 0", load)
	}

	eq, err := c.GetEquity(ctx, &pb.GetEquityRequest{MinGroupSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	share := map[string]float64{}
	for _, r := range eq.GetRows() {
		if r.GetDimension() == pb.EquityDimension_EQUITY_DIMENSION_GENDER {
			share[r.GetGroup()] = r.GetShare()
		}
	}
	if share["woman"] != 1 || share["man"] != 0 {
		t.Errorf("gender shares = %v, want woman 1, man 0 (one of one, none of one entitled)", share)
	}
	if !strings.HasPrefix(eq.GetCsv(), "dimension,group,entitled,with_guide,share,median_days,flagged,small\n") {
		t.Errorf("csv = %q", eq.GetCsv())
	}

	if _, err := c.EndAssignment(ctx, &pb.EndAssignmentRequest{Id: id, Reason: eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_FOUND_WORK}); err != nil {
		t.Fatal(err)
	}
	// The same request id returns the same job.
	again, err := c.StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{RequestId: "r1", MunicipalityCodes: []string{"0180"},
		Quotas: []pb.QuotaKind{pb.QuotaKind_QUOTA_KIND_GENDER_PER_MUNICIPALITY}})
	if err != nil || again.GetJob().GetId() != job.GetId() {
		t.Errorf("repeated start: %v, %v", again.GetJob().GetId(), err)
	}
}
