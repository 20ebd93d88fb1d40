package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/auth"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestStack_SeedPlantsTheGuidesGap runs the demo seed, an administrator's
// assignment job over every guide municipality, takes every proposal up
// (approve, both accept) and reads the equity table: first languages the
// guide organisations offer (Arabic, Tigrinya, Somali) are not flagged,
// and some other first language is: the seed's planted gap.
func TestStack_SeedPlantsTheGuidesGap(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, _, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.DinnersAddr = l.Addr("participants"), l.Addr("volunteers"), l.Addr("dinners")
	ctx := testutil.Context(t)
	var out bytes.Buffer
	if err := seed(ctx, cfg, []string{"-participants", "700", "-volunteers", "20", "-nats", ""}, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	var tok bytes.Buffer
	if err := token(cfg, nil, &tok); err != nil {
		t.Fatal(err)
	}
	conn, err := grpcx.Dial(l.Addr("guides"), grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String())))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	g := guidesv1.NewGuideServiceClient(conn)
	munis := []string{"0180", "1480", "1280", "0880", "0680", "2480", "1980"} // where the seed's guide organisations are
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		res, err := g.ListEligibility(ctx, &guidesv1.ListEligibilityRequest{MunicipalityCodes: munis, PageSize: 1,
			Entitlement: guidesv1.Entitlement_ENTITLEMENT_ENTITLED})
		if err != nil {
			return err
		}
		if res.GetTotalSize() < 50 {
			return fmt.Errorf("%d entitled so far", res.GetTotalSize())
		}
		return nil
	})
	start, err := g.StartAssignmentJob(ctx, &guidesv1.StartAssignmentJobRequest{RequestId: "seed-gap", MunicipalityCodes: munis})
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
		j, err := g.GetJob(ctx, &guidesv1.GetJobRequest{Id: start.GetJob().GetId()})
		if err != nil {
			return err
		}
		if j.GetJob().GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %v", j.GetJob().GetState())
		}
		return nil
	})
	as, err := g.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: start.GetJob().GetId(), PageSize: 500})
	if err != nil || len(as.GetAssignments()) == 0 || as.GetNextPageToken() != "" {
		t.Fatalf("assignments: %d, next %q, %v", len(as.GetAssignments()), as.GetNextPageToken(), err)
	}
	for _, a := range as.GetAssignments() {
		if _, err := g.ApproveAssignment(ctx, &guidesv1.ApproveAssignmentRequest{Id: a.GetId()}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []guidesv1.AcceptingParty{guidesv1.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, guidesv1.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
			if _, err := g.AcceptAssignment(ctx, &guidesv1.AcceptAssignmentRequest{Id: a.GetId(), Party: p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	eq, err := g.GetEquity(ctx, &guidesv1.GetEquityRequest{MunicipalityCodes: munis, MinGroupSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	var flagged []string
	for _, r := range eq.GetRows() {
		if r.GetDimension() != guidesv1.EquityDimension_EQUITY_DIMENSION_LANGUAGE {
			continue
		}
		offered := slices.Contains([]string{"ar", "ti", "so"}, r.GetGroup())
		if offered && r.GetFlagged() {
			t.Errorf("%s speakers, whom the guide organisations serve in their language, are flagged: %v", r.GetGroup(), r)
		}
		if !offered && r.GetFlagged() {
			flagged = append(flagged, r.GetGroup())
		}
	}
	if len(flagged) == 0 {
		t.Errorf("no other first language is flagged; the seed's gap is not visible:\n%s", eq.GetCsv())
	}
	t.Logf("flagged first languages: %v (of %d assignments)", flagged, len(as.GetAssignments()))
}
