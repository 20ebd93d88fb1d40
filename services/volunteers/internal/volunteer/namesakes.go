package volunteer

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// Namesakes returns the namesakes of page, a page List returned to who:
// everyone who may see who shares a name and municipality with someone
// on the page, with when each was registered, so the page tells them apart as a
// list of all would (people.Namesakes, ADR 0196). Without a name index
// (SearchNames) it returns none.
func (s *Service) Namesakes(who auth.Claims, page []*pb.Volunteer) ([]*typev1.Namesake, error) {
	if s.names == nil {
		return nil, nil
	}
	find := func(values []string) ([]*pb.Volunteer, error) {
		res, err := s.repo.Find(store.Query[*pb.Volunteer]{Index: nameIndex, Values: values})
		return res.Items, err
	}
	visible := func(p *pb.Volunteer) bool { return who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) }
	return people.Namesakes(page, s.names.Term, find, visible)
}

// NamesakesOf is Namesakes for the volunteers named by list (ids a list of
// pairs or seatings holds, ADR 0200): each read as Get
// reads it for who, so one who may not see a volunteer learns nothing of
// them, then their namesakes over who's whole scope.
func (s *Service) NamesakesOf(ctx context.Context, who auth.Claims, list []string) ([]*typev1.Namesake, error) {
	var v apperr.Validator
	list = people.NamesakeIDs(&v, "ids", list)
	if err := v.Err(); err != nil {
		return nil, err
	}
	get := func(id string) (*pb.Volunteer, error) { return s.Get(ctx, who, id) }
	return people.NamesakesOf(list, get, func(page []*pb.Volunteer) ([]*typev1.Namesake, error) { return s.Namesakes(who, page) })
}
