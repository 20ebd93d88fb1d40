package participant

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// Names names the newcomers list asks about (BatchGetParticipantNames,
// ADR 0222): each read as Get reads it for who, so an id outside who's
// scope, of someone erased or of no one is left out, all alike, and the
// answer says no more of an id than Get's NotFound. Returns Invalid for
// more than people.MaxNameIDs ids or one that is no id.
func (s *Service) Names(ctx context.Context, who auth.Claims, list []string) ([]*pb.ParticipantName, error) {
	var v apperr.Validator
	list = people.NameIDs(&v, "ids", list)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return people.NamesOf(list, func(id string) (*pb.Participant, error) { return s.Get(ctx, who, id) },
		func(p *pb.Participant) *pb.ParticipantName {
			return &pb.ParticipantName{Id: p.GetId(), GivenName: p.GetGivenName(), FamilyName: p.GetFamilyName(), MunicipalityCode: p.GetMunicipalityCode()}
		})
}
