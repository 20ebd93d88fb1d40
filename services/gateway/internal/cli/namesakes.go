package cli

import (
	"context"
	"maps"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
)

// askNamesakes returns the namesakes, over everyone the signed-in user
// may see, of the newcomers and volunteers a list names by id: a list mp
// prints whole still marked only among its own rows, so a namesake in no
// row of it (another programme's, or not in this job) left "Amal Hassan"
// reading as one person (ADR 0200).
type askNamesakes func(participants, volunteers []string) (pn, vn []*typev1.Namesake, err error)

// namesakes is the gateway's ListNamesakes as an askNamesakes, at most
// people.MaxNamesakeIDs of each a call.
func (c *clients) namesakes(ctx context.Context) askNamesakes {
	return func(participants, volunteers []string) (pn, vn []*typev1.Namesake, err error) {
		participants, volunteers = onceEach(participants), onceEach(volunteers)
		for len(participants) > 0 || len(volunteers) > 0 {
			np, nv := min(len(participants), people.MaxNamesakeIDs), min(len(volunteers), people.MaxNamesakeIDs)
			res, err := c.registry.ListNamesakes(ctx, connect.NewRequest(&gatewayv1.ListNamesakesRequest{ParticipantIds: participants[:np], VolunteerIds: volunteers[:nv]}))
			if connect.CodeOf(err) == connect.CodeUnimplemented {
				// A gateway from before ADR 0200: the list marks among
				// its own rows, as it did, rather than failing.
				return nil, nil, nil
			}
			if err != nil {
				return nil, nil, err
			}
			pn, vn = append(pn, res.Msg.GetParticipantNamesakes()...), append(vn, res.Msg.GetVolunteerNamesakes()...)
			participants, volunteers = participants[np:], volunteers[nv:]
		}
		return pn, vn, nil
	}
}

// onceEach is ids without the empty and the repeated ones, in order.
func onceEach(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// besides is the people of a list with their namesakes the list does not
// name, each labelled as the person whose namesake it is, so apart.Tell
// groups the whole group (as the web's lists do, ADR 0200). A person
// without a name (erased since; labelled "\x00" and the id) has none.
func besides(all []apart.Person, ns []*typev1.Namesake) []apart.Person {
	label := make(map[string]string, len(all))
	for _, p := range all {
		if _, ok := label[p.ID]; !ok {
			label[p.ID] = p.Label
		}
	}
	for _, n := range ns {
		if _, listed := label[n.GetId()]; listed {
			continue
		}
		if l, ok := label[n.GetOfId()]; ok && !strings.HasPrefix(l, "\x00") {
			label[n.GetId()] = l
			all = append(all, apart.Person{ID: n.GetId(), Label: l, Registered: n.GetCreateTime()})
		}
	}
	return all
}

// participantIDs are the newcomers' ids of rows.
func participantIDs[R interface{ GetParticipantId() string }](rows []R) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.GetParticipantId()
	}
	return out
}

// viewsTold is what tells apart the newcomers of a page of seatings or
// assignments (record picks the record out of its view), with their
// namesakes over the whole scope (ask): mp printed these lists without
// any mark (ADR 0200). A newcomer in two rows counts once.
func viewsTold[V interface {
	GetParticipantName() string
	GetParticipantRegistered() *timestamppb.Timestamp
}, R interface {
	GetParticipantId() string
	GetMunicipalityCode() string
}](vs []V, record func(V) R, ask askNamesakes) (map[string]string, error) {
	var all []apart.Person
	seen := map[string]bool{}
	for _, v := range vs {
		r := record(v)
		if seen[r.GetParticipantId()] || v.GetParticipantName() == "" {
			continue
		}
		seen[r.GetParticipantId()] = true
		all = append(all, apart.Person{ID: r.GetParticipantId(), Label: v.GetParticipantName() + ", " + r.GetMunicipalityCode(), Registered: v.GetParticipantRegistered()})
	}
	ids := make([]string, len(all))
	for i, p := range all {
		ids[i] = p.ID
	}
	pn, _, err := ask(ids, nil)
	if err != nil {
		return nil, err
	}
	return apart.Tell(besides(all, pn)), nil
}

// groupsTold is what tells apart the people of a page whose rows carry no
// registration time (dinner offers and sign-ups, the guides'
// eligibility): label names each person of the page by id ("name,
// municipality"), and ask gives their groups, each member with when they
// were registered, the page's person too. Only people with a namesake the
// signed-in user may see are in the map (ADR 0200).
func groupsTold(label map[string]string, volunteers bool, ask askNamesakes) (map[string]string, error) {
	ids := slices.Sorted(maps.Keys(label))
	var ns []*typev1.Namesake
	var err error
	if volunteers {
		_, ns, err = ask(nil, ids)
	} else {
		ns, _, err = ask(ids, nil)
	}
	if err != nil {
		return nil, err
	}
	return tellGroups(label, ns), nil
}

// tellGroups is groupsTold's map from namesakes already asked (ns, of the
// people label names by id): a list that asks for two kinds of people in
// one call (mp jobs unmatched: the newcomers and the full mentors its
// reasons name) tells each kind apart from its own half.
func tellGroups(label map[string]string, ns []*typev1.Namesake) map[string]string {
	var all []apart.Person
	seen := map[string]bool{}
	for _, n := range ns {
		l, ok := label[n.GetOfId()]
		if !ok || seen[n.GetId()] || strings.HasPrefix(l, ", ") {
			continue
		}
		seen[n.GetId()] = true
		all = append(all, apart.Person{ID: n.GetId(), Label: l, Registered: n.GetCreateTime()})
	}
	return apart.Tell(all)
}
