package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// guidesEntitled waits until guides holds newcomer nid as entitled and,
// unless orgID is empty, has seen the guide organisation orgID: both
// reach guides' views by events, after the registers answered.
func guidesEntitled(t *testing.T, ctx context.Context, gc guidesv1.GuideServiceClient, nid, orgID string) {
	t.Helper()
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		e, err := gc.GetEligibility(ctx, &guidesv1.GetEligibilityRequest{ParticipantId: nid})
		if err != nil {
			return err
		}
		if e.GetEligibility().GetEntitlement() != guidesv1.Entitlement_ENTITLEMENT_ENTITLED {
			return fmt.Errorf("not entitled yet: %v", e.GetEligibility().GetReasons())
		}
		if orgID == "" {
			return nil
		}
		orgs, err := gc.ListGuideOrganisations(ctx, &guidesv1.ListGuideOrganisationsRequest{PageSize: 500})
		if err != nil {
			return err
		}
		for _, o := range orgs.GetOrganisations() {
			if o.GetOrganisationId() == orgID {
				return nil
			}
		}
		return errors.New("guides has not seen the guide organisation yet")
	})
}

// guidesOneAssignment waits for guides' assignment job jobID to succeed
// (a failed job ends the test at once) and returns its assignment, which
// must be the only one.
func guidesOneAssignment(t *testing.T, ctx context.Context, gc guidesv1.GuideServiceClient, jobID string) *guidesv1.Assignment {
	t.Helper()
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		j, err := gc.GetJob(ctx, &guidesv1.GetJobRequest{Id: jobID})
		if err != nil {
			return err
		}
		if s := j.GetJob().GetState(); s != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			if s == guidesv1.JobState_JOB_STATE_FAILED {
				t.Fatalf("guides job failed: %s", j.GetJob().GetErrorMessage())
			}
			return fmt.Errorf("guides job %v", s)
		}
		return nil
	})
	as, err := gc.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: jobID})
	if err != nil || len(as.GetAssignments()) != 1 {
		t.Fatalf("assignments: %v, %v", as, err)
	}
	return as.GetAssignments()[0]
}
