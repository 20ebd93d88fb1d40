package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestValidateOnlyNoOracle: an update with validate_only of a record the
// caller may not see (another organisation's, another municipality's)
// answers byte for byte what the real update answers for an id that
// does not exist, whatever else the request holds (a stale etag, bad
// fields, a mask of every path and more), so validate_only tells no
// caller which ids exist (ADR 0143). Nothing is stored or published.
func TestValidateOnlyNoOracle(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	created, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0880"), RequestId: "req-oracle"})
	if err != nil {
		t.Fatal(err)
	}
	stored := created.GetParticipant()
	huge := make([]string, 0, 2000)
	for i := range 2000 {
		huge = append(huge, fmt.Sprintf("field_%d", i))
	}
	huge = append(huge, "given_name", "municipality_code", strings.Repeat("x", 10000))
	changes := map[string]struct {
		change func(p *pb.Participant)
		paths  []string
	}{
		"a good change":   {func(p *pb.Participant) { p.GivenName = "Amal" }, []string{"given_name"}},
		"a stale etag":    {func(p *pb.Participant) { p.GivenName, p.Etag = "Amal", "0123456789abcdef01234567" }, []string{"given_name"}},
		"bad fields":      {func(p *pb.Participant) { p.GivenName, p.Household.Size = "", -1 }, []string{"given_name", "household"}},
		"a move":          {func(p *pb.Participant) { p.MunicipalityCode = "0180" }, []string{"municipality_code"}},
		"a huge mask":     {func(p *pb.Participant) {}, huge},
		"no mask":         {func(p *pb.Participant) {}, nil},
		"an unknown path": {func(p *pb.Participant) {}, []string{"id"}},
	}
	for name, c := range changes {
		for _, who := range []auth.Claims{coordB, coordAOther} {
			for _, validate := range []bool{true, false} {
				p := proto.Clone(stored).(*pb.Participant)
				c.change(p)
				unknown := proto.Clone(p).(*pb.Participant)
				unknown.Id = ids.UUIDv7{}.New()
				mask := &fieldmaskpb.FieldMask{Paths: c.paths}
				_, got := e.as(who).UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: p, UpdateMask: mask, ValidateOnly: validate})
				_, want := e.as(who).UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: unknown, UpdateMask: mask})
				if g, w := status.Convert(got).Proto(), status.Convert(want).Proto(); !proto.Equal(g, w) {
					t.Errorf("%s as %s, validate only %v: %v; want what an unknown id gets: %v", name, who.Subject, validate, g, w)
				}
			}
		}
	}
	got, err := e.as(coordA).GetParticipant(ctx, &pb.GetParticipantRequest{Id: stored.GetId()})
	if err != nil || got.GetParticipant().GetEtag() != stored.GetEtag() {
		t.Fatalf("after the tries: %v %v; want the participant as created", got, err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if n := len(e.streamMsgs(ctx)); n != 1 {
			return fmt.Errorf("events: %d, want 1 (created)", n)
		}
		return nil
	})
}
