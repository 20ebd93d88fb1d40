package web

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
)

// Namesakes are told apart by when each was registered, and only they
// (package apart, ADR 0132).

// namesake is one person as a picker or a register page names them.
type namesake = apart.Person

// tellApart is apart.Tell.
func tellApart(people []namesake) map[string]string { return apart.Tell(people) }

// registeredAt is apart.At.
func registeredAt(t *timestamppb.Timestamp, layout string) string { return apart.At(t, layout) }

// namesakes adds to the label of each of people who shares it with
// another when they were registered: "Anna Andersson, Malmö (registrerad
// 2026-03-14)".
func namesakes(p *page, people []dinnerChoice, registered map[string]*timestamppb.Timestamp) {
	all := make([]namesake, len(people))
	for i, c := range people {
		all[i] = namesake{ID: c.Value, Label: c.Label, Registered: registered[c.Value]}
	}
	apart := apartWords(p, all)
	for i, c := range people {
		if words, ok := apart[c.Value]; ok {
			people[i].Label += " (" + words + ")"
		}
	}
}

// apartWords is tellApart in the page's words, "registrerad 2026-03-14",
// by id.
func apartWords(p *page, people []namesake) map[string]string {
	apart := tellApart(people)
	for id, when := range apart {
		apart[id] = p.tf("picker.registered", "When", when)
	}
	return apart
}

// registerApart is apartWords for a register page: its people are named
// as the pickers name them, "Förnamn Efternamn, Kommun". namesakes are
// the page's people's namesakes on every page (the service's, ADR 0196),
// each named as the person of the page it shares the name with: a page
// marked only within itself showed two people of one name on two pages
// as one person, and its precision is the whole group's, as mp's.
func registerApart[T interface {
	GetId() string
	GetGivenName() string
	GetFamilyName() string
	GetMunicipalityCode() string
	GetCreateTime() *timestamppb.Timestamp
}](p *page, items []T, namesakes []*typev1.Namesake) map[string]string {
	all := make([]namesake, 0, len(items)+len(namesakes))
	for _, v := range items {
		all = append(all, namesake{ID: v.GetId(), Label: v.GetGivenName() + " " + v.GetFamilyName() + ", " + v.GetMunicipalityCode(), Registered: v.GetCreateTime()})
	}
	return apartWords(p, besides(all, namesakes))
}

// besides is all, the people a page names, with their namesakes the page
// does not show, each labelled as the person of the page whose namesake
// it is (of_id): the group is then the whole one, on every page and in no
// list, so the page marks a person whose namesake is elsewhere, at the
// precision that tells the whole group apart, as mp's whole-list reads
// do (ADR 0196, 0200).
func besides(all []namesake, namesakes []*typev1.Namesake) []namesake {
	label := make(map[string]string, len(all))
	for _, n := range all {
		if _, ok := label[n.ID]; !ok {
			label[n.ID] = n.Label
		}
	}
	// The service names each group once, by the first of its people the
	// call asked about (people.Namesakes): a page of two lists asked in
	// one call (the matching page's proposals and pairs) may show a
	// group's person only in the list whose people the call did not name
	// the group by. The group's label is then that of any of its people
	// these are (outside round s37: a mentor in a pair was not marked
	// while her namesake stood among the proposals).
	group := map[string]string{}
	for _, n := range namesakes {
		if l, ok := label[n.GetOfId()]; ok {
			group[n.GetOfId()] = l
		} else if l, ok := label[n.GetId()]; ok {
			if _, named := group[n.GetOfId()]; !named {
				group[n.GetOfId()] = l
			}
		}
	}
	for _, n := range namesakes {
		if _, onPage := label[n.GetId()]; onPage {
			continue
		}
		if l, ok := group[n.GetOfId()]; ok && !strings.HasPrefix(l, ", ") {
			label[n.GetId()] = l
			all = append(all, namesake{ID: n.GetId(), Label: l, Registered: n.GetCreateTime()})
		}
	}
	return all
}

// pageNamesakes are the namesakes, over everything the caller may see, of
// the newcomers and the volunteers a page of ids names (ADR 0200).
type pageNamesakes struct {
	participants, volunteers []*typev1.Namesake
}

// namesakesOf asks the gateway for the namesakes of the newcomers and
// volunteers a page names by id (core.ListNamesakes), at most
// people.MaxNamesakeIDs of each a call: a page of proposals and one of
// pairs name up to 100 of each. A page of people never fails for a
// namesake it could not ask about silently: the error is the page's.
func (w *Web) namesakesOf(ctx context.Context, p *page, participants, volunteers []string) (pageNamesakes, error) {
	var out pageNamesakes
	participants, volunteers = once(participants), once(volunteers)
	for len(participants) > 0 || len(volunteers) > 0 {
		pn, vn := min(len(participants), people.MaxNamesakeIDs), min(len(volunteers), people.MaxNamesakeIDs)
		res, err := w.g.ListNamesakes(ctx, p.caller, &gatewayv1.ListNamesakesRequest{ParticipantIds: participants[:pn], VolunteerIds: volunteers[:vn]})
		if err != nil {
			return pageNamesakes{}, err
		}
		out.participants = append(out.participants, res.GetParticipantNamesakes()...)
		out.volunteers = append(out.volunteers, res.GetVolunteerNamesakes()...)
		participants, volunteers = participants[pn:], volunteers[vn:]
	}
	return out, nil
}

// once is ids without the empty and the repeated ones, in order.
func once(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// registeredWords is the person page's "Registrerad 2026-03-14 10:32:05",
// to the second, so every precision a picker shows can be checked on it;
// "" when unset.
func registeredWords(p *page, t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return p.tf("person.registered", "When", registeredAt(t, time.DateTime))
}

// volunteerView is the volunteer page's data beside its form.
type volunteerView struct {
	// Org names the volunteer's organisation.
	Org string
	// Registered is as participantView's.
	Registered string
}

func newVolunteerView(p *page, v *gatewayv1.VolunteerView) volunteerView {
	return volunteerView{Org: orgOrGone(p, v.GetVolunteer().GetOrganisationId(), v.GetOrganisationName()), Registered: registeredWords(p, v.GetVolunteer().GetCreateTime())}
}

// viewsApart is apartWords for a page's rows of dinners seatings or guides
// assignments (record picks the record out of its view), whose newcomers
// are named "Förnamn Efternamn, kommun" as the left-out list names them;
// namesakes are theirs over the caller's whole scope (besides).
func viewsApart[V interface {
	GetParticipantName() string
	GetParticipantRegistered() *timestamppb.Timestamp
}, R interface {
	GetParticipantId() string
	GetMunicipalityCode() string
}](p *page, vs []V, record func(V) R, namesakes []*typev1.Namesake) map[string]string {
	all := make([]namesake, len(vs))
	for i, v := range vs {
		r := record(v)
		all[i] = namesake{ID: r.GetParticipantId(), Label: v.GetParticipantName() + ", " + r.GetMunicipalityCode(), Registered: v.GetParticipantRegistered()}
	}
	return onceApart(p, all, namesakes)
}

// viewsParticipants are the newcomers' ids of a page's rows (record as
// viewsApart's), to ask their namesakes about.
func viewsParticipants[V any, R interface{ GetParticipantId() string }](vs []V, record func(V) R) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = record(v).GetParticipantId()
	}
	return out
}

// onceApart is apartWords for rows that may name one person more than
// once (a guest at two dinners: counted once), or a person whose name
// could not be read (left out), with the page's people's namesakes
// elsewhere (besides).
func onceApart(p *page, all []namesake, namesakes []*typev1.Namesake) map[string]string {
	seen := map[string]bool{}
	var once []namesake
	for _, n := range all {
		if !seen[n.ID] && !strings.HasPrefix(n.Label, ", ") {
			seen[n.ID] = true
			once = append(once, n)
		}
	}
	return apartWords(p, besides(once, namesakes))
}

// rowsApart is viewsApart for a page of rows read from a service, with
// the namesakes of the rows' newcomers over the caller's whole scope
// (namesakesOf): a page of seatings or assignments marked only among its
// own rows (ADR 0200).
func rowsApart[V interface {
	GetParticipantName() string
	GetParticipantRegistered() *timestamppb.Timestamp
}, R interface {
	GetParticipantId() string
	GetMunicipalityCode() string
}](ctx context.Context, w *Web, p *page, vs []V, record func(V) R) (map[string]string, error) {
	ns, err := w.namesakesOf(ctx, p, viewsParticipants(vs, record), nil)
	if err != nil {
		return nil, err
	}
	return viewsApart(p, vs, record, ns.participants), nil
}

// groupsApart is apartWords for a page whose rows carry no registration
// time (the guides' eligibility, the dinners' sign-ups and offers): the
// namesakes carry each one's, the page's person's too, and label is how
// the page names each of its people ("Förnamn Efternamn, kommun"), by id.
// A person with no namesake the caller may see is not marked (ADR 0200).
func groupsApart(p *page, label map[string]string, namesakes []*typev1.Namesake) map[string]string {
	var all []namesake
	seen := map[string]bool{}
	for _, n := range namesakes {
		l, ok := label[n.GetOfId()]
		if !ok || seen[n.GetId()] || strings.HasPrefix(l, ", ") {
			continue
		}
		seen[n.GetId()] = true
		all = append(all, namesake{ID: n.GetId(), Label: l, Registered: n.GetCreateTime()})
	}
	return apartWords(p, all)
}

// markProposal gives a mentoring proposal's row, built alone for an htmx
// swap after an approve or a reject, the marks the whole list gives it:
// its newcomer's and mentor's namesakes over the caller's whole scope
// are the group the list marks them in (besides), so the mark and its
// precision are the list's. The swapped row lost them until the page was
// reloaded (ADR 0170, 0200, 0206). It fails as the list does when the
// namesakes cannot be read.
func (w *Web) markProposal(ctx context.Context, p *page, v *gatewayv1.PairView, row *proposalRow) error {
	pr := v.GetPair()
	ns, err := w.namesakesOf(ctx, p, []string{pr.GetParticipantId()}, []string{pr.GetVolunteerId()})
	if err != nil {
		return err
	}
	newcomers, mentors := pairsApart(p, []*gatewayv1.PairView{v}, ns)
	row.ParticipantApart, row.VolunteerApart = newcomers[pr.GetParticipantId()], mentors[pr.GetVolunteerId()]
	return nil
}

// markSeating is markProposal for a dinners proposal's row: its guest's
// and its host's marks, as the list gives them (seatingsApart over the
// one row).
func (w *Web) markSeating(ctx context.Context, p *page, v *gatewayv1.SeatingView, row *dinnerSeatingRow) error {
	guests, hosts, err := seatingsApart(ctx, w, p, []*gatewayv1.SeatingView{v})
	if err != nil {
		return err
	}
	row.Apart, row.HostApart = guests[v.GetSeating().GetParticipantId()], hosts[v.GetSeating().GetVolunteerId()]
	return nil
}

// seatingsApart is rowsApart for a page of dinners seatings, whose hosts
// are marked too: the guests by id as rowsApart marks them, the hosts
// (volunteers, by id) from their namesakes' groups alone, as the offers
// list marks them (groupsApart: a seating carries no host's registration
// time). Both are asked in one call. A host named beside a marked guest
// was unmarked while another volunteer of the host's name stood in the
// caller's scope (ADR 0205's Left, 0209).
func seatingsApart(ctx context.Context, w *Web, p *page, vs []*gatewayv1.SeatingView) (guests, hosts map[string]string, err error) {
	label := make(map[string]string, len(vs))
	for _, v := range vs {
		s := v.GetSeating()
		if s.GetVolunteerId() != "" && v.GetHostName() != "" {
			label[s.GetVolunteerId()] = v.GetHostName() + ", " + s.GetMunicipalityCode()
		}
	}
	ns, err := w.namesakesOf(ctx, p, viewsParticipants(vs, (*gatewayv1.SeatingView).GetSeating), slices.Sorted(maps.Keys(label)))
	if err != nil {
		return nil, nil, err
	}
	return viewsApart(p, vs, (*gatewayv1.SeatingView).GetSeating, ns.participants), groupsApart(p, label, ns.volunteers), nil
}
