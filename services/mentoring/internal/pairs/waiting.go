package pairs

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// The waiting list is who the gateway's overview counts as "waiting for a
// mentor": newcomers of the caller's scope in the pool (consent to
// mentoring in force) and in no proposed, offered or active pair. The
// gateway made it by reading the scope's consenting newcomers and pairs
// whole on every page (ADR 0170); this service holds both in memory
// already, so a page costs one walk of the scope's pool (ADR 0172).

// waiter is one newcomer on the waiting list.
type waiter struct {
	n     *pb.PoolNewcomer
	since time.Time
}

// waitingCacheScopes bounds the lists kept: one per caller scope that
// paged since the pool or the pairs last changed. A coordinator paging
// through 20,000 newcomers walks them once, not once per page.
const waitingCacheScopes = 16

// waitingCache keeps the last waiting list of a few scopes, each valid
// while the pool's newcomers and the pairs are at the versions it was
// made from (store.Repo.Version: every change of either bumps it).
type waitingCache struct {
	mu    sync.Mutex
	lists map[string]waitingList
}

// onNewcomer is the pool's OnChange hook: when a newcomer leaves the pool
// (erased, deleted, consent withdrawn; the pool keeps a tombstone), every
// kept list is dropped, since the lists hold their pool record (languages,
// gender, interests, consent time) and the version check would drop it
// only on that scope's next page, never for a scope that pages no more. A
// newcomer who stays and changes leaves the lists to the version check.
// It costs nothing: any change of the pool has made every kept list stale
// already (its version), and the next page walks anew (ADR 0176).
func (c *waitingCache) onNewcomer(_ string, n *pb.PoolNewcomer, live bool) {
	if live && !n.GetGone() && !n.GetErased() {
		return
	}
	c.mu.Lock()
	c.lists = nil
	c.mu.Unlock()
}

// waitingList is one scope's list and the versions it was made from.
type waitingList struct {
	pool, pairs uint64
	all         []waiter
}

// ListWaiting returns a page of the newcomers whom who sees waiting for a
// mentor, longest waiting first, with the total across pages. A
// coordinator sees their organisation's newcomers in their municipalities
// as the pool has them now (a newcomer who moved out is not listed); an
// administrator every organisation's. Returns Invalid (page_size,
// page_token), PermissionDenied (an operator), and ctx's error when the
// caller left during a walk.
func (s *Service) ListWaiting(ctx context.Context, who auth.Claims, size int32, token string) ([]*pb.WaitingNewcomer, string, int, error) {
	var v apperr.Validator
	n, _ := page.Check(&v, size, "")
	after, ok := decodeWaitingToken(token)
	if !ok {
		v.Add("page_token", "is not a token from a previous response")
	}
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	all, err := s.waiting(ctx, who)
	if err != nil {
		return nil, "", 0, err
	}
	start := 0
	if token != "" {
		// The first row after the token's place: a list that changed since
		// (someone proposed or newly waiting) goes on from where it was.
		start, _ = slices.BinarySearchFunc(all, after, compareWaiter)
		if start < len(all) && all[start].n.GetParticipantId() == after.n.GetParticipantId() {
			start++
		}
	}
	end := min(len(all), start+n)
	out := make([]*pb.WaitingNewcomer, 0, end-start)
	for _, w := range all[start:end] {
		out = append(out, &pb.WaitingNewcomer{ParticipantId: w.n.GetParticipantId(), OrganisationId: w.n.GetOrganisationId(),
			MunicipalityCode: w.n.GetMunicipalityCode(), WaitStartTime: timestamppb.New(w.since), RegisterTime: w.n.GetRegisterTime()})
	}
	next := ""
	if end < len(all) && end > start {
		next = encodeWaitingToken(all[end-1])
	}
	return out, next, len(all), nil
}

// waiting is who's whole waiting list, in order: from the cache while
// neither the pool's newcomers nor the pairs changed, else walked anew.
func (s *Service) waiting(ctx context.Context, who auth.Claims) ([]waiter, error) {
	var key string
	switch who.Role {
	case auth.RoleAdmin, auth.RoleService:
		key = string(who.Role)
	case auth.RoleCoordinator:
		key = fmt.Sprintf("%s|%s|%q", who.Role, who.Organisation, who.Municipalities)
	default:
		return nil, apperr.Errorf(apperr.PermissionDenied, "your role may not see newcomers")
	}
	// The versions are read before the walk: a change during it bumps
	// them, so the list is at worst made again on the next page.
	pv, rv := s.pool.Newcomers.Version(), s.repo.Version()
	s.waitCache.mu.Lock()
	l, ok := s.waitCache.lists[key]
	s.waitCache.mu.Unlock()
	if ok && l.pool == pv && l.pairs == rv {
		return l.all, nil
	}
	all, err := s.walkWaiting(ctx, who)
	if err != nil {
		return nil, err
	}
	s.waitCache.mu.Lock()
	defer s.waitCache.mu.Unlock()
	if s.pool.Newcomers.Version() != pv {
		// The pool changed during the walk, perhaps someone left it
		// (onNewcomer may have run already): the list is not kept.
		return all, nil
	}
	if s.waitCache.lists == nil || len(s.waitCache.lists) >= waitingCacheScopes {
		s.waitCache.lists = map[string]waitingList{}
	}
	s.waitCache.lists[key] = waitingList{pool: pv, pairs: rv, all: all}
	return all, nil
}

// waitingCheckEvery is how many newcomers walkWaiting looks up between
// two checks of its context: a walk of the admin's list (one index lookup
// per newcomer, 20,000 in a large pool) stops soon after the caller left
// (ADR 0182), at the cost of one ctx.Err per 256 lookups.
const waitingCheckEvery = 256

// walkWaiting walks who's newcomers in the pool and keeps those in no
// live pair, each with when their wait began, sorted. A walk its caller
// left ends with ctx's error; nothing of it is kept.
func (s *Service) walkWaiting(ctx context.Context, who auth.Claims) ([]waiter, error) {
	var ns []*pb.PoolNewcomer
	if who.Role == auth.RoleCoordinator {
		var err error
		if ns, _, err = s.pool.InScope(who.Organisation, who.Municipalities); err != nil {
			return nil, err
		}
	} else {
		found, err := s.pool.Newcomers.Find(store.Query[*pb.PoolNewcomer]{Filter: func(n *pb.PoolNewcomer) bool { return !n.GetGone() }})
		if err != nil {
			return nil, err
		}
		ns = found.Items
	}
	all := make([]waiter, 0, len(ns))
	for i, n := range ns {
		if i%waitingCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		w, busy, err := s.waitOf(n)
		if err != nil {
			return nil, err
		}
		if !busy {
			all = append(all, w)
		}
	}
	slices.SortFunc(all, compareWaiter)
	return all, nil
}

// waitOf is newcomer n's place on the waiting list: busy when they are in
// a live pair, else when their wait began.
func (s *Service) waitOf(n *pb.PoolNewcomer) (w waiter, busy bool, err error) {
	// Every pair of the newcomer, in whichever scope it was made (one
	// who moved is as busy as before).
	prior, err := s.repo.Find(store.Query[*pb.Pair]{Index: "participant", Values: []string{n.GetParticipantId()}})
	if err != nil {
		return waiter{}, false, err
	}
	w = waiter{n: n, since: n.GetConsentTime().AsTime()}
	if n.GetConsentTime() == nil {
		w.since = n.GetRegisterTime().AsTime()
	}
	for _, p := range prior.Items {
		if proposal.Status(p.GetStatus()).Live() {
			return w, true, nil
		}
		// A pair that ended starts the wait again; a rejected,
		// declined or expired proposal does not (the newcomer waited
		// meanwhile).
		if p.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_ENDED && p.GetEndTime() != nil && p.GetEndTime().AsTime().After(w.since) {
			w.since = p.GetEndTime().AsTime()
		}
	}
	return w, false, nil
}

// WaitingNewcomer is newcomer id's row of who's waiting list, nil when
// they do not wait there: in a live pair, not in the pool (no mentoring
// consent, erased), or out of who's scope, which reads as not waiting
// (the newcomer's page, ADR 0279). It looks up the one newcomer and
// their pairs, never the scope's list. Returns Invalid (participant_id),
// PermissionDenied (an operator).
func (s *Service) WaitingNewcomer(who auth.Claims, id string) (*pb.WaitingNewcomer, error) {
	if !ids.Valid(id) {
		return nil, apperr.FieldError("participant_id", "is not an id")
	}
	switch who.Role {
	case auth.RoleAdmin, auth.RoleService, auth.RoleCoordinator:
	default:
		return nil, apperr.Errorf(apperr.PermissionDenied, "your role may not see newcomers")
	}
	n, ok := s.pool.Newcomers.Lookup(id)
	if !ok || n.GetGone() || n.GetErased() {
		return nil, nil
	}
	if who.Role == auth.RoleCoordinator && (n.GetOrganisationId() != who.Organisation || !slices.Contains(who.Municipalities, n.GetMunicipalityCode())) {
		return nil, nil
	}
	w, busy, err := s.waitOf(n)
	if err != nil || busy {
		return nil, err
	}
	return &pb.WaitingNewcomer{ParticipantId: n.GetParticipantId(), OrganisationId: n.GetOrganisationId(),
		MunicipalityCode: n.GetMunicipalityCode(), WaitStartTime: timestamppb.New(w.since), RegisterTime: n.GetRegisterTime()}, nil
}

// compareWaiter orders the longest waiting first, then by id, so the
// order is total and a page token (the last row's place) stays valid
// when others join or leave the list.
func compareWaiter(a, b waiter) int {
	if c := a.since.Compare(b.since); c != 0 {
		return c
	}
	return strings.Compare(a.n.GetParticipantId(), b.n.GetParticipantId())
}

// encodeWaitingToken is w's place in the list: when the wait began and
// the id, never a name.
func encodeWaitingToken(w waiter) string {
	return base64.RawURLEncoding.EncodeToString([]byte("w1:" + strconv.FormatInt(w.since.UnixNano(), 10) + ":" + w.n.GetParticipantId()))
}

// decodeWaitingToken reads encodeWaitingToken; ok is false for anything
// else. The empty token starts at the beginning.
func decodeWaitingToken(tok string) (waiter, bool) {
	if tok == "" {
		return waiter{}, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return waiter{}, false
	}
	rest, ok := strings.CutPrefix(string(b), "w1:")
	if !ok {
		return waiter{}, false
	}
	nanos, id, ok := strings.Cut(rest, ":")
	ns, err := strconv.ParseInt(nanos, 10, 64)
	if !ok || err != nil || !ids.Valid(id) {
		return waiter{}, false
	}
	return waiter{n: &pb.PoolNewcomer{ParticipantId: id}, since: time.Unix(0, ns)}, true
}
