package main

import (
	"bytes"
	"strings"
	"testing"

	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestSeedBannerListsWhatItMade: the banner names every organisation the
// seed creates, says which are guide organisations and lists their places
// per municipality and language, as demoOrganisation makes them (a tester
// met the guide organisations only on the guides pages).
func TestSeedBannerListsWhatItMade(t *testing.T) {
	t.Parallel()
	orgs := make([]*volunteersv1.Organisation, len(seedOrgs))
	for i, o := range seedOrgs {
		orgs[i] = demoOrganisation(o)
	}
	var b bytes.Buffer
	writeSeedBanner(&b, seedMade{participants: 2000, volunteers: 600, orgs: orgs, offers: 41, signUps: 170, held: 2, toRecord: 3})
	out := b.String()
	for _, want := range []string{
		"participants   2000 newcomers",
		"volunteers     600",
		"organisations  10, of them 3 guide organisations",
		"Röda Korset Kalmar                   0880 Kalmar (association)",
		"Invitationsdepartementet Stockholm   0180 Stockholm, 0380 Uppsala (association)",
		"Etableringslots Syd AB               1280 Malmö, 0880 Kalmar, 0680 Jönköping (company, guide organisation)",
		"Etableringslots Syd AB               99 places: 1280: ar 10, ti 10, so 10, sv 3; 0880: ar 10, ti 10, so 10, sv 3; 0680: ar 10, ti 10, so 10, sv 3",
		"Arbetsgivarringen Nord               66 places: 2480: ar 10",
		"Flyktingguiderna Väst                66 places: 1480: ar 10",
		"dinners        41 offers, 170 sign-ups",
		"dinners held   5 before today in Invitationsdepartementet Stockholm: 2 with attendance recorded, 3 to record",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	for _, o := range seedOrgs {
		if !strings.Contains(out, o.name) {
			t.Errorf("banner does not name %s:\n%s", o.name, out)
		}
	}
}
