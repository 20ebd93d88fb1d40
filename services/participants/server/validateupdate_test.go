package server_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestValidateOnlyUpdate: an update with validate_only is checked as the
// update would be (every violation, the etag, the move's scope) and
// stores and publishes nothing, valid or not: the web edit form asks it
// when it refuses a field itself, so its answer lists every problem
// (ADR 0139).
func TestValidateOnlyUpdate(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(coordA)
	created, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0880"), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	stored := created.GetParticipant()
	update := func(change func(p *pb.Participant), paths ...string) (*pb.UpdateParticipantResponse, error) {
		p := proto.Clone(stored).(*pb.Participant)
		change(p)
		return c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}, ValidateOnly: true})
	}

	res, err := update(func(p *pb.Participant) { p.GivenName = "Amal" }, "given_name")
	if err != nil || res.GetParticipant() != nil {
		t.Fatalf("a valid change, validate only: %v, %v; want no error and no participant", res, err)
	}
	_, err = update(func(p *pb.Participant) { p.GivenName, p.Household.Size = "", -1 }, "given_name", "household")
	fields := servicetest.ViolatedFields(err)
	if want := []string{"participant.given_name", "participant.household.size"}; code(err) != codes.InvalidArgument || !slices.Equal(fields, want) {
		t.Errorf("two bad fields, validate only: %v (%v); want violations on %v", fields, err, want)
	}
	if _, err := update(func(p *pb.Participant) { p.MunicipalityCode = "1280" }, "municipality_code"); code(err) != codes.PermissionDenied {
		t.Errorf("a move outside the caller's municipalities, validate only: %v, want PermissionDenied", err)
	}
	if _, err := update(func(p *pb.Participant) { p.GivenName, p.Etag = "Amal", "0123456789abcdef01234567" }, "given_name"); code(err) == codes.OK || code(err) == codes.InvalidArgument {
		t.Errorf("a stale etag, validate only: %v, want the update's refusal", err)
	}
	if _, err := e.as(coordB).UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: stored, ValidateOnly: true}); code(err) != codes.NotFound {
		t.Errorf("another organisation's participant, validate only: %v, want NotFound", err)
	}

	// Nothing was stored: the record and its etag are as created. And
	// nothing was published: after one real update the stream holds
	// exactly the create's and the update's events.
	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: stored.GetId()})
	if err != nil || got.GetParticipant().GetGivenName() != "Amina" || got.GetParticipant().GetEtag() != stored.GetEtag() {
		t.Fatalf("after validate only: %v %v; want the participant as created", got, err)
	}
	p := proto.Clone(stored).(*pb.Participant)
	p.GivenName = "Amal"
	if _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if n := len(e.streamMsgs(ctx)); n != 2 {
			return fmt.Errorf("events: %d, want 2 (created, updated once)", n)
		}
		return nil
	})
}
