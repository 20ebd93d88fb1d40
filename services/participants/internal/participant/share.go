package participant

import (
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// shareCodes gives the index one copy of each code its participants
// share (store.Config.Share, ADR 0204): organisation, municipality,
// language codes, interests, consent texts' versions and languages, and
// the residence permit's date. Names, contact details and ids are each
// one person's, so they are left as decoded. Within a record, an update
// time and consents' given times equal to the creation time point at the
// creation time's message (people.ShareTime), as Create builds them:
// index records are never changed in place (Update decodes its own copy,
// Get and List clone), so one message serves them all.
func shareCodes(p *pb.Participant) {
	p.OrganisationId = store.Canonical(p.OrganisationId)
	p.MunicipalityCode = store.Canonical(p.MunicipalityCode)
	p.ResidencePermitDate = store.Canonical(p.ResidencePermitDate)
	if c := p.Contact; c != nil {
		c.PreferredLanguage = store.Canonical(c.PreferredLanguage)
	}
	for _, l := range p.Languages {
		l.Code = store.Canonical(l.Code)
	}
	store.CanonicalAll(p.Interests)
	for _, c := range p.Consents {
		c.TextVersion = store.Canonical(c.TextVersion)
		c.Language = store.Canonical(c.Language)
		c.GivenTime = people.ShareTime(c.GivenTime, p.CreateTime)
	}
	p.UpdateTime = people.ShareTime(p.UpdateTime, p.CreateTime)
}
