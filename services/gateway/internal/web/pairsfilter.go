package web

import (
	"net/http"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// followUpParam chooses the pairs to follow up on the matching page.
const followUpParam = "follow_up"

// endedParam chooses the pairs that ended lately on the matching page: a
// coordinator calls the ones who ended early (ADR 0265).
const endedParam = "ended"

// endedDays is how far back "ended lately" reaches (core.EndedDays: the
// overview's tile counts the same pairs).
const endedDays = core.EndedDays

// pairsLinks are the matching page's addresses of the pairs list under
// each filter: the other lists' choices (job, proposals' page) kept, the
// pairs' paging from the start, since its tokens belong to another list.
type pairsLinks struct {
	All, FollowUp, Ended string
}

// pairsQuery reads the pairs filter from r into d (follow-up wins when
// both are asked for) and returns the request for its first page.
func pairsQuery(r *http.Request, p *page, d *matchingData) *gatewayv1.ListPairsRequest {
	q := r.URL.Query()
	d.FollowUp = q.Get(followUpParam) != ""
	d.Ended = !d.FollowUp && q.Get(endedParam) != ""
	d.Links = pairsLinks{All: pairsLink(r, ""), FollowUp: pairsLink(r, followUpParam), Ended: pairsLink(r, endedParam)}
	if d.Ended {
		return &gatewayv1.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_ENDED},
			PageSize: 50, EndedAfter: endedSince(p.clock())}
	}
	return &gatewayv1.ListPairsRequest{Statuses: []eventsv1.PairStatus{
		eventsv1.PairStatus_PAIR_STATUS_OFFERED, eventsv1.PairStatus_PAIR_STATUS_ACTIVE}, PageSize: 50,
		OnlyNeedingFollowUp: d.FollowUp}
}

// endedSince is core.EndedSince: the list and the overview's count ask
// for the same pairs.
func endedSince(now time.Time) *timestamppb.Timestamp { return core.EndedSince(now) }

// pairsLink is the matching page's address with the pairs filter param
// on ("" for all pairs).
func pairsLink(r *http.Request, param string) string {
	q := r.URL.Query()
	q.Del(resumedParam)
	for _, k := range []string{"pairs_page_token", "pairs_at", "pairs_back", followUpParam, endedParam} {
		q.Del(k)
	}
	if param != "" {
		q.Set(param, "1")
	}
	if len(q) == 0 {
		return r.URL.Path + "#pairs"
	}
	return r.URL.Path + "?" + q.Encode() + "#pairs"
}
