package server_test

import (
	"cmp"
	"encoding/base64"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestProposalsRankedAcrossPages: a job's proposals in score order come
// back, page after page of 50, as one ranking (points highest first,
// equal points by pair id) that equals sorting every proposal at once,
// the same on a second walk; a coordinator of one municipality gets the
// ranking of their pairs only; a garbled or forged token, a token of id
// order and an unknown order are InvalidArgument on their field.
func TestProposalsRankedAcrossPages(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(11, 200, 140))
	job := e.runJob(ctx, e.as(coordA), "rank")
	proposed := []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}
	walk := func(c pb.MentoringServiceClient) (ids []string, scores []int32, pages int) {
		t.Helper()
		tok := ""
		for range 100 {
			res, err := c.ListPairs(ctx, &pb.ListPairsRequest{JobId: job.GetId(), Statuses: proposed, PageSize: 50, PageToken: tok,
				Order: pb.PairOrder_PAIR_ORDER_SCORE_DESC})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, p := range res.GetPairs() {
				ids, scores = append(ids, p.GetId()), append(scores, p.GetScore())
			}
			if tok = res.GetNextPageToken(); tok == "" {
				return ids, scores, pages
			}
		}
		t.Fatal("pages never end")
		return nil, nil, 0
	}
	// The known scores: every proposal, read in id order.
	ranked := func(keep func(*pb.Pair) bool) []string {
		var all []*pb.Pair
		for _, p := range pairsOf(ctx, t, e.as(coordA), job.GetId()) {
			if p.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_PROPOSED && keep(p) {
				all = append(all, p)
			}
		}
		slices.SortFunc(all, func(a, b *pb.Pair) int {
			return cmp.Or(cmp.Compare(b.GetScore(), a.GetScore()), cmp.Compare(a.GetId(), b.GetId()))
		})
		var ids []string
		for _, p := range all {
			ids = append(ids, p.GetId())
		}
		return ids
	}
	want := ranked(func(*pb.Pair) bool { return true })
	if len(want) < 120 {
		t.Fatalf("the job proposed %d pairs; the test needs at least 120 for three pages", len(want))
	}
	got, scores, pages := walk(e.as(coordA))
	if !slices.Equal(got, want) || pages < 3 {
		t.Fatalf("score order over %d pages =\n%v\nwant\n%v", pages, got, want)
	}
	ties := 0
	for k := 1; k < len(scores); k++ {
		if scores[k] == scores[k-1] {
			ties++
		}
	}
	if ties == 0 || scores[0] == scores[len(scores)-1] {
		t.Fatalf("scores %v: the test needs ties and more than one score", scores)
	}
	if again, _, _ := walk(e.as(coordA)); !slices.Equal(again, got) {
		t.Errorf("a second walk = %v, want the first %v", again, got)
	}

	// Scope: a coordinator of 0380 only ranks the pairs of 0380.
	coord0380 := auth.Claims{Subject: "u-a3", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"0380"}}
	want0380 := ranked(func(p *pb.Pair) bool { return p.GetMunicipalityCode() == "0380" })
	if got, _, _ := walk(e.as(coord0380)); len(want0380) == 0 || len(want0380) == len(want) || !slices.Equal(got, want0380) {
		t.Errorf("a coordinator of 0380 = %v, want %v", got, want0380)
	}
	for _, who := range []auth.Claims{coordB, coordA2} {
		if got, _, _ := walk(e.as(who)); len(got) != 0 {
			t.Errorf("%s ranks %d pairs, want none", who.Subject, len(got))
		}
	}

	c := e.as(coordA)
	idPage, err := c.ListPairs(ctx, &pb.ListPairsRequest{JobId: job.GetId(), PageSize: 10})
	if err != nil || idPage.GetNextPageToken() == "" {
		t.Fatalf("an id-order page: %v, next %q", err, idPage.GetNextPageToken())
	}
	scorePage, err := c.ListPairs(ctx, &pb.ListPairsRequest{JobId: job.GetId(), PageSize: 10, Order: pb.PairOrder_PAIR_ORDER_SCORE_DESC})
	if err != nil || scorePage.GetNextPageToken() == "" {
		t.Fatalf("a score-order page: %v, next %q", err, scorePage.GetNextPageToken())
	}
	forged := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, tc := range map[string]struct {
		order pb.PairOrder
		token string
		field string
	}{
		"garbled token":                    {pb.PairOrder_PAIR_ORDER_SCORE_DESC, "%%%not base64", "page_token"},
		"points that are not a number":     {pb.PairOrder_PAIR_ORDER_SCORE_DESC, forged("s1:many:p-0001"), "page_token"},
		"points beyond int32":              {pb.PairOrder_PAIR_ORDER_SCORE_DESC, forged("s1:99999999999:p-0001"), "page_token"},
		"an id that is not an id":          {pb.PairOrder_PAIR_ORDER_SCORE_DESC, forged("s1:5:a.b"), "page_token"},
		"no id":                            {pb.PairOrder_PAIR_ORDER_SCORE_DESC, forged("s1:5"), "page_token"},
		"an id-order token in score order": {pb.PairOrder_PAIR_ORDER_SCORE_DESC, idPage.GetNextPageToken(), "page_token"},
		"a score-order token in id order":  {pb.PairOrder_PAIR_ORDER_UNSPECIFIED, scorePage.GetNextPageToken(), "page_token"},
		"unknown order 7":                  {7, "", "order"},
		"unknown order -1":                 {-1, "", "order"},
	} {
		_, err := c.ListPairs(ctx, &pb.ListPairsRequest{JobId: job.GetId(), Order: tc.order, PageToken: tc.token})
		if code(err) != codes.InvalidArgument || !hasField(err, tc.field) {
			t.Errorf("%s: %v, want InvalidArgument on %s", name, err, tc.field)
		}
	}
	// A well-formed token naming no pair is a place in the ranking.
	res, err := c.ListPairs(ctx, &pb.ListPairsRequest{JobId: job.GetId(), Statuses: proposed, PageSize: 500,
		Order: pb.PairOrder_PAIR_ORDER_SCORE_DESC, PageToken: forged("s1:2147483647:zzz")})
	if err != nil || len(res.GetPairs()) != len(want) {
		t.Errorf("a token above the best pair: %d pairs (%v), want all %d", len(res.GetPairs()), err, len(want))
	}
}
