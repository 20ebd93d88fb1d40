package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestJobCleansUpAfterWhoLeftWhileItWrote: a newcomer who leaves after
// the job checked the pool and before it wrote their assignment, whose
// leaving finds no assignment to withdraw yet, has none open after the
// job. The job wrote it regardless, where mentoring's and dinners' check
// their people again after the write (proposal.ProposeChecked).
func TestJobCleansUpAfterWhoLeftWhileItWrote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const leaver = "p-0001"
	var (
		once  sync.Once
		leave func()
	)
	hooks := &proposal.Hooks{BeforePropose: func(string) { once.Do(leave) }}
	e := startEnv(t, 1, server.Options{ProposalHooks: hooks})
	leave = func() {
		e.publish(ctx, envelope(t, events.ParticipantDeleted, leaver, &eventsv1.ParticipantDeleted{ParticipantId: leaver}))
		// The durable consumer may still be being made under load.
		testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
			cons, err := e.nats.JS.Consumer(ctx, events.StreamParticipants, server.ParticipantsDurable)
			if err != nil {
				return err
			}
			info, err := cons.Info(ctx)
			if err != nil || info.NumPending+uint64(info.NumAckPending) != 0 {
				return errorf("the leave is not handled yet (%v)", err)
			}
			return nil
		})
	}
	e.publish(ctx, organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 2}),
		registered(t, newcomer(leaver, "0180", "so", typev1.Gender_GENDER_WOMAN)),
		registered(t, newcomer("p-0002", "0180", "so", typev1.Gender_GENDER_MAN)))
	e.waitKeys(ctx, "guides_newcomers", 2)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	for _, a := range assignments(ctx, t, c, job.GetId()) {
		if a.GetParticipantId() == leaver && a.GetStatus() == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED {
			t.Errorf("assignment %s of the newcomer who left is open", a.GetId())
		}
	}
}
