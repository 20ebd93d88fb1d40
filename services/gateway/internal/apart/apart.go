// Package apart tells namesakes apart. Two people with the same name in
// one municipality read alike in a list ("Anna Andersson, Malmö" twice in
// the seeded demo, ADR 0129). What tells them apart is when each was
// registered: every record has it, it says nothing about the person's life
// (a birth year, an e-mail address would), and the person's page shows
// it, so a coordinator can check which Anna is which. It is shown only
// beside namesakes: a date on each of 300 lines is noise, and more of the
// record than a choice needs (ADR 0132). The web app and mp both use it
// (ADR 0170), so a list reads the same in both.
package apart

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// Named is a person as the registers and the pickers name them,
// "Förnamn Efternamn, Kommun", by the municipality's name (never its SCB
// code; a code the table lacks, old data, as it is). Two people of one
// name in two municipalities read as one on a list that showed the name
// alone (outside round s39: two "Ayaan Yusuf", in Västerås and in
// Linköping, on one job's proposals), and the namesake mark is for
// people of one name in one municipality only (ADR 0196, 0220). Always,
// not only when the name repeats: that would depend on the page and
// change as people are added. An erased person's name is "" and stays so.
func Named(name, municipalityCode string) string {
	if name == "" || municipalityCode == "" {
		return name
	}
	if m, ok := municipality.Lookup(municipalityCode); ok {
		return name + ", " + m.Name
	}
	return name + ", " + municipalityCode
}

// Person is one person as a list names them: Label is what two
// namesakes share ("Förnamn Efternamn, kommun").
type Person struct {
	ID, Label  string
	Registered *timestamppb.Timestamp
}

// registeredLayouts are the precisions tried in turn: the day, then the
// minute and the second for people registered on one day (an import).
var registeredLayouts = []string{time.DateOnly, "2006-01-02 15:04", time.DateTime}

// Tell returns, by id, when each person whose label another of
// people shares was registered, at the first precision that tells the
// group apart; nobody else is in the map. People registered in the same
// second (a bulk import) also get the end of their id, which the
// address of their page holds.
func Tell(people []Person) map[string]string {
	groups := map[string][]Person{}
	for _, n := range people {
		groups[n.Label] = append(groups[n.Label], n)
	}
	out := map[string]string{}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		for k, layout := range registeredLayouts {
			when := make([]string, len(g))
			seen := map[string]int{}
			for i, n := range g {
				when[i] = At(n.Registered, layout)
				seen[when[i]]++
			}
			last := k == len(registeredLayouts)-1
			if len(seen) < len(g) && !last {
				continue
			}
			for i, n := range g {
				if seen[when[i]] > 1 {
					when[i] += ", id …" + idTail(n.ID)
				}
				out[n.ID] = when[i]
			}
			break
		}
	}
	return out
}

// At is t in Stockholm's time in layout, "" when unset.
func At(t *timestamppb.Timestamp, layout string) string {
	if t == nil {
		return ""
	}
	return t.AsTime().In(localtime.Zone).Format(layout)
}

// idTail is the last four characters of id: a UUIDv7 ends in random
// bits, so two ids made in one millisecond still differ there.
func idTail(id string) string {
	return id[max(0, len(id)-4):]
}
