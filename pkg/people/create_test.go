package people

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestCreate_RepeatOutsideScope: a request id repeated by the same
// coordinator answers the first call's record while it is in their
// scope, and NotFound naming the record once their municipalities no
// longer hold it (the record is not revealed); a create without a request
// id stores a new record each time.
func TestCreate_RepeatOutsideScope(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	repo, err := store.Open(ctx, n.JS, store.Config[*pb.Participant]{Bucket: "people", New: func() *pb.Participant { return &pb.Participant{} }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(repo.Close)
	build := func(id string) (*pb.Participant, []*eventsv1.Envelope, error) {
		return &pb.Participant{Id: id, OrganisationId: "org-1", MunicipalityCode: "0180"}, nil, nil
	}
	who := auth.Claims{Subject: "u-1", Role: auth.RoleCoordinator, Organisation: "org-1", Municipalities: []string{"0180"}}
	first, err := Create(ctx, repo, who, "participant", "req-1", ids.UUIDv7{}.New, build)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Create(ctx, repo, who, "participant", "req-1", ids.UUIDv7{}.New, build)
	if err != nil || again.GetId() != first.GetId() {
		t.Errorf("the repeat: %v %v, want the first record %s", again.GetId(), err, first.GetId())
	}
	moved := who
	moved.Municipalities = []string{"1480"}
	_, err = Create(ctx, repo, moved, "participant", "req-1", ids.UUIDv7{}.New, build)
	if apperr.ErrorCode(err) != apperr.NotFound || apperr.ErrorMessage(err) != "participant not found" {
		t.Errorf("the repeat outside the scope: %v, want NotFound naming the participant", err)
	}
	a, errA := Create(ctx, repo, who, "participant", "", ids.UUIDv7{}.New, build)
	b, errB := Create(ctx, repo, who, "participant", "", ids.UUIDv7{}.New, build)
	if errA != nil || errB != nil || a.GetId() == b.GetId() || a.GetId() == first.GetId() {
		t.Errorf("creates without a request id: %s %v, %s %v, want two new records", a.GetId(), errA, b.GetId(), errB)
	}
}
