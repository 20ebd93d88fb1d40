package core

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
)

// The overview's "599 Nyanlända som väntar på mentor" linked to the
// matching page, which lists no one waiting: a coordinator asked to find
// the waiting newcomers found a count (outside round s30, ADR 0170). The
// list below holds the same people the count counts (Dashboard.Waiting):
// newcomers in the caller's scope with mentoring consent in force and in
// no proposed, offered or active pair.

// maxWaitingRead bounds each of the lists the waiting list is made from:
// 20 pages of 500. A scope with more consenting newcomers (or pairs) than
// that gets the first ones and Waiting.Partial, never an unbounded read.
const maxWaitingRead = 20 * page.MaxSize

// WaitingNewcomer is one newcomer waiting for a mentor.
type WaitingNewcomer struct {
	// ID, Name and MunicipalityCode are the newcomer's.
	ID, Name, MunicipalityCode string
	// Registered tells namesakes apart (ADR 0132).
	Registered *timestamppb.Timestamp
	// Since is when the wait began: the mentoring consent, or the end of
	// their last mentorship when that came later. A rejected or declined
	// proposal does not restart it: the newcomer was waiting meanwhile.
	Since time.Time
}

// Waiting is one page of the newcomers waiting for a mentor, longest
// waiting first.
type Waiting struct {
	// Newcomers are this page's.
	Newcomers []WaitingNewcomer
	// NextPageToken continues the list; "" on the last page.
	NextPageToken string
	// TotalSize counts the waiting newcomers on every page.
	TotalSize int
	// Partial says the scope held more than maxWaitingRead consenting
	// newcomers or pairs, so the list was made from the first of them.
	Partial bool
}

// ListWaitingNewcomers pages through the newcomers in the caller's scope
// who wait for a mentor, longest waiting first. It reads every consenting
// newcomer and every open pair of the scope (bounded, maxWaitingRead),
// under the caller's token, so each service checks the scope; the
// newcomers of the page returned are audited as a list.
func (g *Gateway) ListWaitingNewcomers(ctx context.Context, c Caller, pageSize int32, token string) (*Waiting, error) {
	v := &apperr.Validator{}
	size, _ := page.Check(v, pageSize, "")
	after, ok := decodeWaitingToken(token)
	if !ok {
		v.Add("page_token", "is not a token from a previous response")
	}
	if err := v.Err(); err != nil {
		return nil, g.recordList(ctx, c, "participant", nil, err)
	}
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	all, out, err := g.waiting(ctx, sctx, m)
	if err != nil {
		return nil, g.recordList(ctx, c, "participant", nil, err)
	}
	start := 0
	if token != "" {
		start, _ = slices.BinarySearchFunc(all, after, compareWaiting)
		if start < len(all) && all[start].ID == after.ID {
			start++
		}
	}
	end := min(len(all), start+size)
	out.Newcomers = all[start:end]
	if end < len(all) && end > start {
		out.NextPageToken = encodeWaitingToken(all[end-1])
	}
	shown := make([]string, 0, len(out.Newcomers))
	for _, n := range out.Newcomers {
		shown = append(shown, n.ID)
	}
	if err := g.recordList(ctx, c, "participant", shown, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// waiting is every waiting newcomer of the scope sctx carries, in order.
func (g *Gateway) waiting(ctx, sctx context.Context, m mentoringv1.MentoringServiceClient) ([]WaitingNewcomer, *Waiting, error) {
	out := &Waiting{}
	open := map[string]bool{}
	ended := map[string]time.Time{}
	pairs := func(statuses ...eventsv1.PairStatus) error {
		token := ""
		for read := 0; ; {
			res, err := m.ListPairs(sctx, &mentoringv1.ListPairsRequest{Statuses: statuses, PageSize: page.MaxSize, PageToken: token})
			if err != nil {
				return err
			}
			for _, p := range res.GetPairs() {
				if p.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_ENDED {
					if t := p.GetEndTime().AsTime(); p.GetEndTime() != nil && t.After(ended[p.GetParticipantId()]) {
						ended[p.GetParticipantId()] = t
					}
					continue
				}
				open[p.GetParticipantId()] = true
			}
			read += len(res.GetPairs())
			if token = res.GetNextPageToken(); token == "" {
				return nil
			}
			if read >= maxWaitingRead {
				out.Partial = true
				return nil
			}
		}
	}
	if err := pairs(eventsv1.PairStatus_PAIR_STATUS_PROPOSED, eventsv1.PairStatus_PAIR_STATUS_OFFERED, eventsv1.PairStatus_PAIR_STATUS_ACTIVE); err != nil {
		return nil, nil, err
	}
	if err := pairs(eventsv1.PairStatus_PAIR_STATUS_ENDED); err != nil {
		return nil, nil, err
	}
	var all []WaitingNewcomer
	token := ""
	for read := 0; ; {
		res, err := g.Backend.Participants.ListParticipants(sctx, &participantsv1.ListParticipantsRequest{PageSize: page.MaxSize, PageToken: token,
			ConsentPurpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING})
		if err != nil {
			return nil, nil, err
		}
		for _, p := range res.GetParticipants() {
			if open[p.GetId()] {
				continue
			}
			n := WaitingNewcomer{ID: p.GetId(), Name: joinName(p.GetGivenName(), p.GetFamilyName()), MunicipalityCode: p.GetMunicipalityCode(),
				Registered: p.GetCreateTime(), Since: consentSince(p)}
			if t := ended[p.GetId()]; t.After(n.Since) {
				n.Since = t
			}
			all = append(all, n)
		}
		read += len(res.GetParticipants())
		if token = res.GetNextPageToken(); token == "" {
			break
		}
		if read >= maxWaitingRead {
			out.Partial = true
			break
		}
	}
	slices.SortFunc(all, compareWaiting)
	out.TotalSize = len(all)
	return all, out, nil
}

// consentSince is when p's mentoring consent in force was given, or when
// p was registered if the consent carries no time.
func consentSince(p *participantsv1.Participant) time.Time {
	for _, c := range p.GetConsents() {
		if c.GetPurpose() == eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING && c.GetWithdrawnTime() == nil && c.GetGivenTime() != nil {
			return c.GetGivenTime().AsTime()
		}
	}
	return p.GetCreateTime().AsTime()
}

// compareWaiting orders the longest waiting first, then by id, so the
// order is total and a page token (the last row's place) stays valid
// when others join or leave the list.
func compareWaiting(a, b WaitingNewcomer) int {
	if n := a.Since.Compare(b.Since); n != 0 {
		return n
	}
	return strings.Compare(a.ID, b.ID)
}

// encodeWaitingToken is the place of n in the list: when they began
// waiting and their id, never a name.
func encodeWaitingToken(n WaitingNewcomer) string {
	return base64.RawURLEncoding.EncodeToString([]byte("w1:" + strconv.FormatInt(n.Since.UnixNano(), 10) + ":" + n.ID))
}

// decodeWaitingToken reads encodeWaitingToken; ok is false for anything
// else. The empty token starts at the beginning.
func decodeWaitingToken(tok string) (WaitingNewcomer, bool) {
	if tok == "" {
		return WaitingNewcomer{}, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return WaitingNewcomer{}, false
	}
	rest, ok := strings.CutPrefix(string(b), "w1:")
	if !ok {
		return WaitingNewcomer{}, false
	}
	nanos, id, ok := strings.Cut(rest, ":")
	ns, err := strconv.ParseInt(nanos, 10, 64)
	if !ok || err != nil || !ids.Valid(id) {
		return WaitingNewcomer{}, false
	}
	return WaitingNewcomer{ID: id, Since: time.Unix(0, ns)}, true
}
