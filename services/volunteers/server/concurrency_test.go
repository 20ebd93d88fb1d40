package server_test

import (
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestVolunteer_ConcurrentUpdates runs 50 read-modify-write updates of one
// volunteer guarded by etags, retrying on Aborted: every one must land.
func TestVolunteer_ConcurrentUpdates(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "Röda Korset Kalmar", "0880")
	in := volunteerIn(org.GetId(), "0880")
	in.FamilyName = ""
	v := h.mustVolunteer(t, admin, in)
	const writers = 50
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cur, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, h.as(t, admin))
				if err != nil {
					t.Errorf("get: %v", err)
					return
				}
				_, err = h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
					Volunteer:  &pb.Volunteer{Id: v.GetId(), Etag: cur.GetVolunteer().GetEtag(), FamilyName: cur.GetVolunteer().GetFamilyName() + "x"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"family_name"}},
				}, h.as(t, admin))
				if status.Code(err) == codes.Aborted {
					continue
				}
				if err != nil {
					t.Errorf("update: %v", err)
				}
				return
			}
		}()
	}
	wg.Wait()
	got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, h.as(t, admin))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.GetVolunteer().GetFamilyName()); n != writers {
		t.Fatalf("family name has %d marks, want %d: updates were lost", n, writers)
	}
}
