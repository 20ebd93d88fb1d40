package dinners

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/page"
)

// ListUnseated returns a page of the parties job id left unseated, with
// reasons; sign-ups removed since are skipped. Each party names its
// sign-up's newcomer (participant_id) from the sign-up held now, for a
// caller who may see that sign-up as GetSignUp and ListSignUps show it,
// and for no one else: the gateway read each party's sign-up, or listed
// its municipality's, to learn who it was (ADR 0228). full is the job's
// full dinners, counted once over all pages (nil when none), over the
// parties listed: a dinner only a removed or erased party fitted is not
// in it (ADR 0180). Returns Invalid, NotFound, FailedPrecondition (job
// not finished).
func (s *Service) ListUnseated(ctx context.Context, who auth.Claims, id string, size int32, token string) (_ []*pb.UnseatedParty, next string, total int, full *pb.FullDinners, _ error) {
	var v apperr.Validator
	// The job's id is named as the request names it (the kit would call
	// it "id"), in the words of every programme (ADR 0180).
	jobs.CheckID(&v, "job_id", id)
	limit, after := page.Check(&v, size, token)
	if err := v.Err(); err != nil {
		return nil, "", 0, nil, err
	}
	var res pb.JobResult
	if err := s.jobs.ResultAs(ctx, who, id, &res); err != nil {
		return nil, "", 0, nil, err
	}
	kept := func(u *pb.UnseatedParty) bool { _, ok := s.signups.Lookup(u.GetSignUpId()); return ok }
	recount(&res, kept)
	out, next, total := page.Items(res.GetUnseated(), (*pb.UnseatedParty).GetSignUpId, kept, after, limit)
	for _, u := range out {
		// Places in this result's own list, which the API does not send.
		u.CountedDinners = nil
		// The newcomer, under GetSignUp's rule: the job's scope is checked
		// above, but a sign-up is shown by its own organisation and
		// municipality, so the id says nothing GetSignUp would not.
		if su, ok := s.signups.Lookup(u.GetSignUpId()); ok && canAct(who) == nil && who.CanSee(su.GetOrganisationId(), su.GetMunicipalityCode()) {
			u.ParticipantId = su.GetParticipantId()
		}
	}
	return out, next, total, res.GetFullDinners(), nil
}

// recount sets res's totals to the counted dinners the DINNERS_FULL
// parties kept (keep) fit, each once, so that the totals say what the
// list shows: a dinner only an erased or withdrawn party fitted no longer
// counts (ADR 0180). A result stored before the counted dinners (none
// listed) keeps its totals, having nothing to count again.
func recount(res *pb.JobResult, keep func(*pb.UnseatedParty) bool) {
	dinners := res.GetCountedDinners()
	if len(dinners) == 0 {
		return
	}
	seen := make([]bool, len(dinners))
	var full *pb.FullDinners
	for _, u := range res.GetUnseated() {
		if u.GetReason() != pb.UnseatedReason_UNSEATED_REASON_DINNERS_FULL || !keep(u) {
			continue
		}
		if full == nil {
			full = &pb.FullDinners{}
		}
		var k uint32
		for _, d := range u.GetCountedDinners() {
			// Stored as differences (see deltas).
			k += d
			if int(k) >= len(seen) || seen[k] {
				continue
			}
			seen[k] = true
			full.Dinners++
			full.SeatsHeldByProposals += dinners[k].GetSeatsHeldByProposals()
			full.SeatsHeldByApproved += dinners[k].GetSeatsHeldByApproved()
		}
	}
	res.FullDinners = full
}

// Redact is the kit's Config.Redact: it removes an erased person's
// sign-ups and offers from snapshots (and the exclusions naming them), and
// their unseated parties from results, whose full dinners' totals are
// then counted over the parties left (ADR 0180). id is a sign-up or offer
// id.
func Redact(kind jobs.Kind, raw []byte, id string) ([]byte, bool, error) {
	switch kind {
	case jobs.SnapshotKind:
		snap := &pb.JobSnapshot{}
		if err := proto.Unmarshal(raw, snap); err != nil {
			return nil, false, fmt.Errorf("decode snapshot: %w", err)
		}
		n, o, t, x := len(snap.SignUps), len(snap.Offers), len(snap.Tables), len(snap.Excluded)
		snap.SignUps = slices.DeleteFunc(snap.SignUps, func(su *pb.SignUp) bool { return su.GetId() == id || su.GetParticipantId() == id })
		snap.Offers = slices.DeleteFunc(snap.Offers, func(of *pb.Offer) bool { return of.GetId() == id || of.GetVolunteerId() == id })
		snap.Tables = slices.DeleteFunc(snap.Tables, func(tb *pb.JobTable) bool { return tb.GetOfferId() == id })
		snap.Excluded = slices.DeleteFunc(snap.Excluded, func(k string) bool { return strings.Contains(k, id) })
		if n == len(snap.SignUps) && o == len(snap.Offers) && t == len(snap.Tables) && x == len(snap.Excluded) {
			return raw, false, nil
		}
		out, err := proto.MarshalOptions{Deterministic: true}.Marshal(snap)
		return out, true, err
	case jobs.ResultKind:
		res := &pb.JobResult{}
		if err := proto.Unmarshal(raw, res); err != nil {
			return nil, false, fmt.Errorf("decode result: %w", err)
		}
		n := len(res.Unseated)
		res.Unseated = slices.DeleteFunc(res.Unseated, func(u *pb.UnseatedParty) bool { return u.GetSignUpId() == id })
		if n == len(res.Unseated) {
			return raw, false, nil
		}
		recount(res, func(*pb.UnseatedParty) bool { return true })
		out, err := proto.Marshal(res)
		return out, true, err
	}
	return raw, false, nil
}

// deltas writes places, indexes of JobResult.counted_dinners, as the
// proto stores them: ascending, each the difference from the one before
// (ADR 0180: half the bytes of the indexes in the city benchmark).
func deltas(places []uint32) {
	slices.Sort(places)
	for k := len(places) - 1; k > 0; k-- {
		places[k] -= places[k-1]
	}
}

// addDinner counts table t, and who held its seats when the job started,
// in f (ADR 0171).
func addDinner(f *pb.FullDinners, t *pb.JobTable) {
	f.Dinners++
	f.SeatsHeldByProposals += t.GetHeldByProposals()
	f.SeatsHeldByApproved += t.GetHeldByApproved()
}
