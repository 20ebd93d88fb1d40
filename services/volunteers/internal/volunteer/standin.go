package volunteer

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// AbsentLike is the encoding of a made-up volunteer with the fields a
// registration usually fills, none of them anyone's: the cache stores it
// with the mark of an id of no one and decodes it when it finds the mark
// (cache.Options.AbsentLike), so that answering such an id costs what
// answering another scope's cached volunteer costs (ADR 0235).
func AbsentLike() []byte {
	t := timestamppb.New(time.Unix(1_800_000_000, 0))
	b, err := proto.Marshal(&pb.Volunteer{
		Id:               "00000000-0000-7000-8000-000000000000",
		OrganisationId:   "00000000-0000-7000-8000-000000000000",
		MunicipalityCode: "0000",
		GivenName:        "xxxxx",
		FamilyName:       "xxxxxxxxx",
		Contact:          &typev1.Contact{Email: "xxxxx@xxxxxxx.xxx", Phone: "+46700000000", PreferredLanguage: "xx"},
		Languages: []*typev1.LanguageSkill{{Code: "xx", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE},
			{Code: "xx", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL}},
		Roles:           []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 1}},
		Interests:       []string{"xxxxxxx", "xxxxxxxx"},
		Gender:          typev1.Gender_GENDER_MAN,
		Availability:    []*typev1.Availability{{Weekday: typev1.Weekday_WEEKDAY_TUESDAY, DayPart: typev1.DayPart_DAY_PART_EVENING}},
		BackgroundCheck: &pb.BackgroundCheck{Seen: true, SeenDate: "0000-00-00"},
		HouseholdSize:   2,
		CreateTime:      t,
		UpdateTime:      t,
		Etag:            "000000000000000000000000",
	})
	if err != nil {
		// Every field above is valid; Marshal cannot fail on it.
		panic(err)
	}
	return b
}

// absentLike is AbsentLike, made once.
var absentLike = AbsentLike()

// load reads volunteer id from the store, with its etag, for the cache.
// For an id of no one it then does to the made-up volunteer (AbsentLike)
// what a record's load does beyond the store's reads, as participants'
// load does (ADR 0235).
func (s *Service) load(ctx context.Context, id string) (*pb.Volunteer, error) {
	v, _, err := s.repo.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		standIn := &pb.Volunteer{}
		_ = proto.Unmarshal(absentLike, standIn)
		_, _ = proto.Marshal(withEtag(standIn))
	}
	if err != nil {
		return nil, err
	}
	return withEtag(v), nil
}
