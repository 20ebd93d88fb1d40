package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// BenchmarkCreate is one CreateVolunteer over gRPC on one replica with an
// embedded server, as participants' BenchmarkCreate is: its allocs/op is
// the figure the create path's cuts are measured by (ADR 0167, 0174).
func BenchmarkCreate(b *testing.B) {
	h := start(b)
	ctx := context.Background()
	org := h.mustOrg(b, "ABF Malmö", "1280").GetId()
	call := h.as(b, admin)
	for b.Loop() {
		if _, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org, "1280")}, call); err != nil {
			b.Fatal(err)
		}
	}
}
