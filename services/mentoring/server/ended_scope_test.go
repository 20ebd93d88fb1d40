package server_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestPairsEndedAfterOfAnotherScope sweeps ListPairs' ended_after (ADR
// 0265) as the callers who must not see an ended pair (sweep48, ADR
// 0267): another organisation's coordinator and one of the same
// organisation in another municipality, with the pair's job, newcomer
// and mentor ids against ids of nothing, under every bound from year 1
// to year 9999 and follow-up on or off: the answers are the same
// messages, or the same refusal on ended_after alone.
func TestPairsEndedAfterOfAnotherScope(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(2, 20, 10))
	c := e.as(coordA)
	ps := pairsOf(ctx, t, c, e.runJob(ctx, c, "ended-scope").GetId())
	if len(ps) == 0 {
		t.Fatal("no proposal")
	}
	p := ps[0]
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: p.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
		if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: party}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.EndPair(ctx, &pb.EndPairRequest{Id: p.GetId(), Reason: eventsv1.EndReason_END_REASON_MOVED}); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	month := timestamppb.New(now.Add(-30 * 24 * time.Hour))
	if res, err := c.ListPairs(ctx, &pb.ListPairsRequest{EndedAfter: month, JobId: p.GetJobId()}); err != nil || len(res.GetPairs()) != 1 {
		t.Fatalf("A's coordinator, the ended pair: %v, %v", res, err)
	}
	bounds := map[string]*timestamppb.Timestamp{"30 days": month, "year 1": {Seconds: -62135596800},
		"year 9999": timestamppb.New(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), "year 10000": {Seconds: 253402300800},
		"before year 1": {Seconds: math.MinInt64}, "nanos -1": {Seconds: month.GetSeconds(), Nanos: -1},
		"in a minute": timestamppb.New(now.Add(time.Minute)), "at the end": p.GetEndTime()}
	fields := map[string]func(r *pb.ListPairsRequest, id string){
		"job":       func(r *pb.ListPairsRequest, id string) { r.JobId = id },
		"newcomer":  func(r *pb.ListPairsRequest, id string) { r.ParticipantId = id },
		"mentor":    func(r *pb.ListPairsRequest, id string) { r.VolunteerId = id },
		"municipal": func(r *pb.ListPairsRequest, _ string) { r.MunicipalityCode = p.GetMunicipalityCode() },
	}
	theirs := map[string]string{"job": p.GetJobId(), "newcomer": p.GetParticipantId(), "mentor": p.GetVolunteerId(), "municipal": ""}
	calls := 0
	for who, claims := range map[string]struct{ c pb.MentoringServiceClient }{"B's coordinator": {e.as(coordB)}, "A's in 1480": {e.as(coordA2)}} {
		for field, set := range fields {
			for name, bound := range bounds {
				for _, followUp := range []bool{false, true} {
					ask := func(id string) (*pb.ListPairsResponse, error) {
						r := &pb.ListPairsRequest{EndedAfter: bound, OnlyNeedingFollowUp: followUp}
						set(r, id)
						calls++
						return claims.c.ListPairs(ctx, r)
					}
					got, gerr := ask(theirs[field])
					want, werr := ask(ids.UUIDv7{}.New())
					what := fmt.Sprintf("%s, the ended pair's %s, ended_after %s, follow-up %t", who, field, name, followUp)
					if field == "municipal" {
						want, werr = got, gerr // no id: nothing of A's may be listed
					}
					if !proto.Equal(got, want) || status.Convert(gerr).Message() != status.Convert(werr).Message() ||
						code(gerr) != code(werr) {
						t.Errorf("%s: %v %v; an id of nothing: %v %v", what, got, gerr, want, werr)
					}
					if len(got.GetPairs()) != 0 || got.GetTotalSize() != 0 {
						t.Errorf("%s: lists %d pairs (total %d)", what, len(got.GetPairs()), got.GetTotalSize())
					}
					if gerr != nil && (code(gerr) != codes.InvalidArgument || !hasField(gerr, "ended_after")) {
						t.Errorf("%s: %v, want InvalidArgument on ended_after", what, gerr)
					}
				}
			}
		}
	}
	t.Logf("%d calls", calls)
}
