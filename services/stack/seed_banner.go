package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// seedMade is what one make seed made (or found from an earlier run: the
// request ids are fixed), for the banner.
type seedMade struct {
	participants, volunteers int
	orgs                     []*volunteersv1.Organisation
	offers, signUps          int
	// held and toRecord are the demo's dinners before today (seedHeld):
	// with attendance recorded, and waiting for it.
	held, toRecord int
	// removed counts the people an earlier seed made whom a coordinator
	// has deleted or erased since: they are not made again.
	removed int
}

// writeSeedBanner lists what the seed made: people, every organisation
// with its municipalities, the guide organisations with their places per
// municipality and language, and the dinners. A tester found guide
// organisations on the guides pages that the banner never mentioned; the
// web app's sign-ins follow (seedUsers).
func writeSeedBanner(out io.Writer, m seedMade) {
	fmt.Fprintf(out, "the demo data (a second make seed creates nothing new):\n")
	fmt.Fprintf(out, "  participants   %d newcomers\n", m.participants)
	fmt.Fprintf(out, "  volunteers     %d (mentors and dinner hosts)\n", m.volunteers)
	if m.removed > 0 {
		fmt.Fprintf(out, "  removed since  %d of them, deleted or erased after an earlier seed: not made again\n", m.removed)
	}
	var guides []*volunteersv1.Organisation
	for _, o := range m.orgs {
		if o.GetIsGuideOrganisation() {
			guides = append(guides, o)
		}
	}
	fmt.Fprintf(out, "  organisations  %d, of them %d guide organisations (establishment guides):\n", len(m.orgs), len(guides))
	for _, o := range m.orgs {
		kind := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(o.GetType().String(), "ORGANISATION_TYPE_"), "_", " "))
		if o.GetIsGuideOrganisation() {
			kind += ", guide organisation"
		}
		fmt.Fprintf(out, "    %-36s %s (%s)\n", o.GetName(), muniNames(o.GetMunicipalityCodes()), kind)
	}
	if len(guides) > 0 {
		fmt.Fprintf(out, "  guide places   per municipality and language (the guides' equity page shows the gap in other languages):\n")
	}
	for _, o := range guides {
		total := 0
		for _, c := range o.GetGuideCapacities() {
			total += int(c.GetCapacity())
		}
		fmt.Fprintf(out, "    %-36s %d places: %s\n", o.GetName(), total, capacityLine(o))
	}
	fmt.Fprintf(out, "  dinners        %d offers, %d sign-ups\n", m.offers, m.signUps)
	if m.held+m.toRecord > 0 {
		fmt.Fprintf(out, "  dinners held   %d before today in %s: %d with attendance recorded, %d to record\n",
			m.held+m.toRecord, heldDinnersOrg, m.held, m.toRecord)
	}
}

// muniNames is "0180 Stockholm, 0380 Uppsala".
func muniNames(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c
		if m, ok := municipality.Lookup(c); ok {
			out[i] += " " + m.Name
		}
	}
	return strings.Join(out, ", ")
}

// capacityLine is a guide organisation's places, one group per
// municipality: "1280: ar 10, ti 10, so 10, sv 3; 0880: ...".
func capacityLine(o *volunteersv1.Organisation) string {
	var order []string
	per := map[string][]string{}
	for _, c := range o.GetGuideCapacities() {
		m := c.GetMunicipalityCode()
		if !slices.Contains(order, m) {
			order = append(order, m)
		}
		per[m] = append(per[m], fmt.Sprintf("%s %d", c.GetLanguage(), c.GetCapacity()))
	}
	groups := make([]string, len(order))
	for i, m := range order {
		groups[i] = m + ": " + strings.Join(per[m], ", ")
	}
	return strings.Join(groups, "; ")
}
