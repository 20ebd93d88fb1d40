package participant

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// Names names the newcomers list asks about (BatchGetParticipantNames,
// ADR 0222), with when each was registered (ADR 0228): each read as Get reads it for who, so an id outside who's
// scope, of someone erased or of no one is left out, all alike, and the
// answer says no more of an id than Get's NotFound. Returns Invalid for
// more than people.MaxNameIDs ids or one that is no id.
func (s *Service) Names(ctx context.Context, who auth.Claims, list []string) ([]*pb.ParticipantName, error) {
	var v apperr.Validator
	list = people.NameIDs(&v, "ids", list)
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Each read as Get reads it (its cache, its store, its scope rule),
	// as a batch: the cached in one round trip, the rest 16 at a time.
	r := people.Stored[*pb.Participant]{Cache: s.cache, Key: cacheKey, New: func() *pb.Participant { return &pb.Participant{} },
		Load:    s.load,
		Visible: func(p *pb.Participant) bool { return who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) },
		Conceal: s.repo.Conceal}
	return people.NamesThrough(ctx, r, list, func(p *pb.Participant) *pb.ParticipantName {
		// When registered too: it tells two of one name in one
		// municipality apart, and a left-out page read each newcomer
		// whole for it (ADR 0228).
		return &pb.ParticipantName{Id: p.GetId(), GivenName: p.GetGivenName(), FamilyName: p.GetFamilyName(), MunicipalityCode: p.GetMunicipalityCode(),
			CreateTime: p.GetCreateTime()}
	})
}
