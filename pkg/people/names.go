package people

import (
	"fmt"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
)

// MaxNameIDs is how many people one BatchGetParticipantNames or
// BatchGetVolunteerNames call may name: mp's mailbox page of 200 messages
// names up to 200 people, and the gateway names a page in one call per
// service (ADR 0222). Each id costs the service one Get, in process.
const MaxNameIDs = 200

// NameIDs checks the ids a BatchGet…Names call names (at most MaxNameIDs,
// each an id) and returns them once each, in the order first named. Every
// id at fault is a field violation ("ids[3]"); a list over the cap is one
// violation on the field, its entries unread.
func NameIDs(v *apperr.Validator, field string, list []string) []string {
	if len(list) > MaxNameIDs {
		v.Add(field, fmt.Sprintf("must list at most %d entries", MaxNameIDs))
		return nil
	}
	out := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	for i, id := range list {
		if !ids.Valid(id) {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "is not an id")
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// NamesOf reads the people list names, each with get (the service's Get
// for the caller), and names them with name. A person get answers NotFound
// for (outside the caller's scope, erased, no one: Get tells them apart
// for no one) is left out; any other error fails the whole call, since a
// list silently short of a name reads as that person being gone.
func NamesOf[T, N any](list []string, get func(id string) (T, error), name func(T) N) ([]N, error) {
	out := make([]N, 0, len(list))
	for _, id := range list {
		p, err := get(id)
		if apperr.ErrorCode(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, name(p))
	}
	return out, nil
}
