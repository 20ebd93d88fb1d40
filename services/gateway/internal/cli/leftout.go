package cli

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
)

// leftOutRow is a row of a list of people mp prints whole: the newcomers
// a mentoring job left unmatched, those a guides job left unassigned, and
// those waiting for a mentor.
type leftOutRow interface {
	GetParticipantId() string
	GetParticipantName() string
	GetMunicipalityCode() string
	GetParticipantRegistered() *timestamppb.Timestamp
}

// tellLeftOut is apart.Tell over the whole list, not page by page (ADR
// 0132's rule, over what one reads at once): by id, what tells each
// namesake apart. A row without a name (erased since) shares no label
// with anyone. The three lists each built the same people by hand. ns are
// the rows' namesakes over the whole scope (askNamesakes): a namesake in
// no row marks them too (ADR 0200).
func tellLeftOut[R leftOutRow](rows []R, ns []*typev1.Namesake) map[string]string {
	people := make([]apart.Person, 0, len(rows))
	for _, r := range rows {
		id, name := r.GetParticipantId(), r.GetParticipantName()
		if name == "" {
			people = append(people, apart.Person{ID: id, Label: "\x00" + id})
			continue
		}
		people = append(people, apart.Person{ID: id, Label: name + ", " + r.GetMunicipalityCode(), Registered: r.GetParticipantRegistered()})
	}
	return apart.Tell(besides(people, ns))
}

// nameOrGone is the name of a row in a left-out list, or "(borttagen)"
// for a row without one: the gateway leaves a row nameless only when the
// person is gone (erased since the job), never when the participants
// service is slow (ADR 0182). An empty column read as a missing name.
func (e Env) nameOrGone(name string) string {
	if name == "" {
		return e.d("m.unmatched.gone")
	}
	return name
}

// orgOrGone is nameOrGone for an organisation a record names: "" from the
// gateway means it was removed (ADR 0188).
func (e Env) orgOrGone(id, name string) string {
	if id == "" {
		return name
	}
	return e.nameOrGone(name)
}

// registeredRow is a newcomer or volunteer of the register (mp
// participants list, mp volunteers list): both records name the same
// fields alike.
type registeredRow interface {
	GetId() string
	GetGivenName() string
	GetFamilyName() string
	GetMunicipalityCode() string
	GetCreateTime() *timestamppb.Timestamp
}

// tellRegistered is tellLeftOut for the register's whole list: by id,
// what tells each namesake apart (name and municipality alike).
func tellRegistered[R registeredRow](rows []R) map[string]string {
	people := make([]apart.Person, 0, len(rows))
	for _, r := range rows {
		people = append(people, apart.Person{ID: r.GetId(), Label: r.GetGivenName() + " " + r.GetFamilyName() + ", " + r.GetMunicipalityCode(), Registered: r.GetCreateTime()})
	}
	return apart.Tell(people)
}
