package participant

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// Namesakes returns the namesakes of page, a page List returned to who:
// everyone who may see who shares a name and municipality with someone
// on the page, with when each was registered, so the page tells them apart as a
// list of all would (people.Namesakes, ADR 0196). Without a name index
// (SearchNames) it returns none.
func (s *Service) Namesakes(who auth.Claims, page []*pb.Participant) ([]*typev1.Namesake, error) {
	if s.names == nil {
		return nil, nil
	}
	find := func(values []string) ([]*pb.Participant, error) {
		res, err := s.repo.Find(store.Query[*pb.Participant]{Index: nameIndex, Values: values})
		return res.Items, err
	}
	visible := func(p *pb.Participant) bool { return who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) }
	return people.Namesakes(page, s.names.Term, find, visible)
}

// NamesakesOf is Namesakes for the newcomers named by list (ids a list of
// pairs, seatings or waiting newcomers holds, ADR 0200): each read as Get
// reads it for who, so one who may not see a newcomer learns nothing of
// them, then their namesakes over who's whole scope.
func (s *Service) NamesakesOf(ctx context.Context, who auth.Claims, list []string) ([]*typev1.Namesake, error) {
	var v apperr.Validator
	list = people.NamesakeIDs(&v, "ids", list)
	if err := v.Err(); err != nil {
		return nil, err
	}
	get := func(id string) (*pb.Participant, error) { return s.Get(ctx, who, id) }
	return people.NamesakesOf(list, get, func(page []*pb.Participant) ([]*typev1.Namesake, error) { return s.Namesakes(who, page) })
}
