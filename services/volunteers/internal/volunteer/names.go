package volunteer

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// Names names the volunteers list asks about (BatchGetVolunteerNames,
// ADR 0222): each read as Get reads it for who, so an id outside who's
// scope, of someone erased or of no one is left out, all alike, and the
// answer says no more of an id than Get's NotFound. Returns Invalid for
// more than people.MaxNameIDs ids or one that is no id.
func (s *Service) Names(ctx context.Context, who auth.Claims, list []string) ([]*pb.VolunteerName, error) {
	var v apperr.Validator
	list = people.NameIDs(&v, "ids", list)
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Each read as Get reads it (its cache, its store, its scope rule),
	// as a batch: the cached in one round trip, the rest 16 at a time.
	r := people.Stored[*pb.Volunteer]{Cache: s.cache, Key: cacheKey, New: func() *pb.Volunteer { return &pb.Volunteer{} },
		Load:    s.load,
		Visible: func(v *pb.Volunteer) bool { return who.CanSee(v.GetOrganisationId(), v.GetMunicipalityCode()) },
		Conceal: s.repo.Conceal}
	return people.NamesThrough(ctx, r, list, func(v *pb.Volunteer) *pb.VolunteerName {
		return &pb.VolunteerName{Id: v.GetId(), GivenName: v.GetGivenName(), FamilyName: v.GetFamilyName(), MunicipalityCode: v.GetMunicipalityCode()}
	})
}
