package volunteer

import (
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// shareCodes gives the index one copy of each code its volunteers share
// (store.Config.Share, ADR 0204): organisation, municipality, preferred
// and skill language codes, interests. Names, contact details and ids
// are each one person's, so they are left as decoded; an update time
// equal to the creation time points at the creation time's message
// (people.ShareTime), as participants' do (index records are never
// changed in place).
func shareCodes(v *pb.Volunteer) {
	v.OrganisationId = store.Canonical(v.OrganisationId)
	v.MunicipalityCode = store.Canonical(v.MunicipalityCode)
	if c := v.Contact; c != nil {
		c.PreferredLanguage = store.Canonical(c.PreferredLanguage)
	}
	for _, l := range v.Languages {
		l.Code = store.Canonical(l.Code)
	}
	store.CanonicalAll(v.Interests)
	v.UpdateTime = people.ShareTime(v.UpdateTime, v.CreateTime)
}
