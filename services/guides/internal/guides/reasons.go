package guides

import (
	"cmp"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// ReasonCount counts the assignments that reached one outcome (rejected,
// declined, ended, withdrawn) for one reason: what keeps newcomers from a
// guide besides capacity, as codes and in words.
type ReasonCount struct {
	Status eventsv1.AssignmentStatus
	// Reason is the reason's enum name; empty when none was given.
	Reason string
	// Party is who declined, for declines.
	Party eventsv1.AssignmentParty
	// Words say outcome and reason, for example "declined by the
	// newcomer: no time".
	Words string
	Count int
}

// Reasons counts why the assignments in munis were rejected, declined or
// ended, most frequent first. Returns PermissionDenied, Invalid
// ("municipality_codes").
func (s *Service) Reasons(who auth.Claims, munis []string) ([]ReasonCount, error) {
	munis, err := scopeMunis(who, munis)
	if err != nil {
		return nil, err
	}
	pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: "municipality", Values: munis})
	if err != nil {
		return nil, err
	}
	return CountReasons(pg.Items), nil
}

// CountReasons counts the reasons of the assignments that did not lead to
// (or no longer give) a guide, most frequent first, then by words.
func CountReasons(as []*guidesv1.Assignment) []ReasonCount {
	type key struct {
		st     eventsv1.AssignmentStatus
		reason string
		party  eventsv1.AssignmentParty
	}
	counts := map[key]int{}
	for _, a := range as {
		k := key{st: a.GetStatus()}
		switch a.GetStatus() {
		case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED:
			if r := a.GetRejectReason(); r != 0 {
				k.reason = r.String()
			}
		case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED:
			k.party = a.GetDeclinedBy()
			if r := a.GetDeclineReason(); r != 0 {
				k.reason = r.String()
			}
		case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_WITHDRAWN:
			if r := a.GetEndReason(); r != 0 {
				k.reason = r.String()
			}
		default:
			continue
		}
		counts[k]++
	}
	out := make([]ReasonCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, ReasonCount{Status: k.st, Reason: k.reason, Party: k.party, Words: reasonWords(k.st, k.reason, k.party), Count: n})
	}
	slices.SortFunc(out, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Words, b.Words))
	})
	return out
}

// reasonWords says an outcome and its reason in English words, from the
// codes alone (the enum names without their prefix, lower case).
func reasonWords(st eventsv1.AssignmentStatus, reason string, party eventsv1.AssignmentParty) string {
	outcome := strings.ToLower(strings.TrimPrefix(st.String(), "ASSIGNMENT_STATUS_"))
	switch party {
	case eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER:
		outcome += " by the newcomer"
	case eventsv1.AssignmentParty_ASSIGNMENT_PARTY_ORGANISATION:
		outcome += " by the organisation"
	}
	why := "no reason given"
	if reason != "" {
		for _, prefix := range []string{"REJECT_REASON_", "DECLINE_REASON_", "ASSIGNMENT_END_REASON_"} {
			reason = strings.TrimPrefix(reason, prefix)
		}
		why = strings.ReplaceAll(strings.ToLower(reason), "_", " ")
	}
	return outcome + ": " + why
}
