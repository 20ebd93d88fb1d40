package guides

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/services/guides/internal/assign"
)

// fullUnits are the units that fitted unassigned newcomer x, best first
// (ties by unit id, so a rerun stores the same), at most maxFullUnits,
// with who held their places (units, the snapshot's by id): what open
// proposals and assignments held when the job started, and this job's
// proposals there (the engine's occupants of the unit; ADR 0171).
func fullUnits(b *match.Built, x match.Explanation, units map[string]assign.Unit) []FullUnit {
	if x.Reason != match.HostsFull {
		return nil
	}
	out := make([]FullUnit, 0, len(x.Blocked))
	for _, bl := range x.Blocked {
		u := units[b.HostIDs[bl.Host]]
		out = append(out, FullUnit{Unit: b.HostIDs[bl.Host], Score: bl.Score,
			HeldByProposals: u.HeldByProposals, HeldByAssignments: u.HeldByAssignments, HeldByThisJob: len(bl.Occupants)})
	}
	slices.SortFunc(out, func(a, c FullUnit) int { return cmp.Or(cmp.Compare(c.Score, a.Score), cmp.Compare(a.Unit, c.Unit)) })
	return out[:min(len(out), maxFullUnits)]
}

// unassignedReasons maps the stored words of the engine's reasons to the
// API's codes, which the gateway words in the reader's language.
var unassignedReasons = map[string]guidesv1.UnassignedReason{
	match.NoEligibleHost.String(): guidesv1.UnassignedReason_UNASSIGNED_REASON_NO_ELIGIBLE_UNIT,
	match.HostsFull.String():      guidesv1.UnassignedReason_UNASSIGNED_REASON_UNITS_FULL,
	match.QuotaReached.String():   guidesv1.UnassignedReason_UNASSIGNED_REASON_QUOTA_REACHED,
	reasonNoUnitHere:              guidesv1.UnassignedReason_UNASSIGNED_REASON_NO_UNIT_IN_MUNICIPALITY,
	reasonProposedBefore:          guidesv1.UnassignedReason_UNASSIGNED_REASON_PROPOSED_BEFORE,
}

// ListUnassigned returns a page of the entitled newcomers job id left
// without a proposal, with the reason, in participant id order, and the
// number across all pages. The caller must see the job (the kit's job
// scope) and each newcomer's municipality now (the coordinator's
// municipalities, or the newcomer's, may have changed since the job), as
// every other guides read; newcomers who left the programme since are
// skipped, as are full units of an
// organisation that left. size and after are checked by the caller
// (page.Check). Returns Invalid ("job_id"), NotFound (also a job out of
// scope, or whose result expired), FailedPrecondition (not succeeded).
func (s *Service) ListUnassigned(ctx context.Context, who auth.Claims, id string, size int, after string) ([]*guidesv1.UnassignedNewcomer, string, int, error) {
	if who.Role == auth.RoleOperator || who.Role == "" {
		return nil, "", 0, apperr.Errorf(apperr.PermissionDenied, "your role may not see newcomers")
	}
	j, err := s.jobs.GetAs(ctx, who, id)
	if apperr.ErrorCode(err) == apperr.Invalid {
		// The kit names the field "id"; this request calls it job_id.
		return nil, "", 0, apperr.FieldError("job_id", "is not an id")
	}
	if err != nil {
		return nil, "", 0, err
	}
	if j.State != jobs.Succeeded {
		return nil, "", 0, apperr.Errorf(apperr.FailedPrecondition, "the job has not succeeded")
	}
	if s.Data == nil {
		return nil, "", 0, apperr.Errorf(apperr.NotFound, "the job's result has expired")
	}
	raw, err := s.Data.Get(ctx, id, jobs.ResultKind)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil, "", 0, apperr.Errorf(apperr.NotFound, "the job's result has expired")
	}
	if err != nil {
		return nil, "", 0, err
	}
	var res result
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, "", 0, fmt.Errorf("decode result: %w", err)
	}
	slices.SortFunc(res.Unassigned, func(a, b Unassigned) int { return cmp.Compare(a.ParticipantID, b.ParticipantID) })
	// Where the newcomer lives now, not where the job found them: one
	// who moved out of the caller's municipalities since is no longer
	// theirs to see (their eligibility reads NotFound), and the gateway
	// would name them.
	keep := func(u Unassigned) bool {
		n, in := s.Pool.Newcomer(u.ParticipantID)
		return in && visible(who, n.GetMunicipalityCode())
	}
	rows, next, total := page.Items(res.Unassigned, func(u Unassigned) string { return u.ParticipantID }, keep, after, size)
	out := make([]*guidesv1.UnassignedNewcomer, 0, len(rows))
	for _, u := range rows {
		out = append(out, s.unassignedProto(u))
	}
	return out, next, total, nil
}

// unassignedProto is u on the wire, without the full units of an
// organisation that left since.
func (s *Service) unassignedProto(u Unassigned) *guidesv1.UnassignedNewcomer {
	out := &guidesv1.UnassignedNewcomer{ParticipantId: u.ParticipantID, MunicipalityCode: u.Municipality,
		Reason: unassignedReasons[u.Reason]}
	for _, f := range u.Units {
		org, muni, lang, ok := assign.ParseUnitID(f.Unit)
		if !ok {
			continue
		}
		if o, found := s.Pool.Organisations.Lookup(org); !found || o.GetGone() {
			continue
		}
		out.FullUnits = append(out.FullUnits, &guidesv1.FullUnit{OrganisationId: org, MunicipalityCode: muni, Language: lang, Score: f.Score,
			HeldByProposals: int32(f.HeldByProposals), HeldByAssignments: int32(f.HeldByAssignments), HeldByThisJob: int32(f.HeldByThisJob)})
	}
	return out
}
