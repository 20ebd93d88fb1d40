package web

import (
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
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
	label := make(map[string]string, len(items))
	for _, v := range items {
		label[v.GetId()] = v.GetGivenName() + " " + v.GetFamilyName() + ", " + v.GetMunicipalityCode()
		all = append(all, namesake{ID: v.GetId(), Label: label[v.GetId()], Registered: v.GetCreateTime()})
	}
	for _, n := range namesakes {
		if _, onPage := label[n.GetId()]; onPage {
			continue
		}
		if l, ok := label[n.GetOfId()]; ok {
			all = append(all, namesake{ID: n.GetId(), Label: l, Registered: n.GetCreateTime()})
		}
	}
	return apartWords(p, all)
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
// are named "Förnamn Efternamn, kommun" as the left-out list names them.
func viewsApart[V interface {
	GetParticipantName() string
	GetParticipantRegistered() *timestamppb.Timestamp
}, R interface {
	GetParticipantId() string
	GetMunicipalityCode() string
}](p *page, vs []V, record func(V) R) map[string]string {
	all := make([]namesake, len(vs))
	for i, v := range vs {
		r := record(v)
		all[i] = namesake{ID: r.GetParticipantId(), Label: v.GetParticipantName() + ", " + r.GetMunicipalityCode(), Registered: v.GetParticipantRegistered()}
	}
	return onceApart(p, all)
}

// onceApart is apartWords for rows that may name one person more than
// once (a guest at two dinners: counted once), or a person whose name
// could not be read (left out).
func onceApart(p *page, all []namesake) map[string]string {
	seen := map[string]bool{}
	var once []namesake
	for _, n := range all {
		if !seen[n.ID] && !strings.HasPrefix(n.Label, ", ") {
			seen[n.ID] = true
			once = append(once, n)
		}
	}
	return apartWords(p, once)
}
