package server_test

import (
	"context"
	"fmt"
	"testing"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/guides/server"
)

// BenchmarkListUnassigned reads a page of 50 of the 1,990 newcomers a job
// left without a guide (2,000 Arabic speakers, 10 places): the result is
// decoded and filtered on every call.
func BenchmarkListUnassigned(b *testing.B) {
	ctx := context.Background()
	e := startEnv(b, 1, server.Options{})
	envs := []*eventsv1.Envelope{organisation(b, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 10})}
	for k := range 2000 {
		envs = append(envs, registered(b, newcomer(fmt.Sprintf("p-%05d", k), "0180", "ar", typev1.Gender_GENDER_MAN)))
	}
	e.publish(ctx, envs...)
	e.waitKeys(ctx, "guides_newcomers", 2000)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "bench"})
	if n := job.GetCounts()["unassigned"]; n != 1990 {
		b.Fatalf("unassigned %d, want 1990", n)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId(), PageSize: 50})
		if err != nil || len(res.GetUnassigned()) != 50 {
			b.Fatalf("%d rows, %v", len(res.GetUnassigned()), err)
		}
	}
}
