package volunteer

import (
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestWithEtagLeavesTheRecord: List and Get hand withEtag records the
// store's index shares with every other reader (store.Find: "Results are
// shared with the index"), so it must return a copy and leave its input
// as it was. Writing the etag in place raced every concurrent reader of
// the index (ADR 0176).
func TestWithEtagLeavesTheRecord(t *testing.T) {
	t.Parallel()
	in := &pb.Volunteer{Id: "v1", OrganisationId: "o1", MunicipalityCode: "0180", GivenName: "Astrid"}
	before := proto.Clone(in)
	out := withEtag(in)
	if out == in {
		t.Fatal("withEtag returned its input, not a copy")
	}
	if out.GetEtag() == "" {
		t.Error("the copy has no etag")
	}
	if !proto.Equal(in, before) {
		t.Errorf("withEtag changed its input: etag %q", in.GetEtag())
	}
}
