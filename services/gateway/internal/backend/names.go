package backend

import (
	"context"
	"sync"

	"github.com/motesplats/motesplats/pkg/cache"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
)

// PersonName is a person as a list names them: "Förnamn Efternamn" and
// the municipality (SCB code) that follows it ("…, Kommun", apart.Named).
type PersonName struct {
	Name, MunicipalityCode string
}

// Kind is the service that holds a person.
type Kind uint8

// The kinds of people, by the service holding them.
const (
	Newcomer Kind = iota
	Volunteer
)

// Cache keys of the people's names (BatchGet…Names), apart from the views
// (participantKey): a name entry holds no languages nor interests, so the
// views must not be read from it. Invalidated by the same events.
func participantNameKey(id string) string { return "participant-name/" + id }
func volunteerNameKey(id string) string   { return "volunteer-name/" + id }

// PeopleNames names the people list holds, with the gateway's own
// identity (the names are joined to records the caller's token read, as
// ParticipantName's are), from the cache and in one call per service for
// the rest (BatchGetParticipantNames, BatchGetVolunteerNames, ADR 0222):
// the mailbox's page of 200 recipients was 200 to 400 reads, one per
// person and kind. kinds says which services may hold an id, the likelier
// first: the cache is looked up in that order, and an id neither cache
// holds is asked of each of them, in the one call each service gets (an
// id is at most one kind). An id no service names (erased, unknown) is
// not in the map. Any service's error is returned as it came; a partial
// map is never returned.
func (b *Backend) PeopleNames(ctx context.Context, list []string, kinds func(id string) []Kind) (map[string]PersonName, error) {
	out := make(map[string]PersonName, len(list))
	mark := b.cache.Mark()
	var ask [2][]string
	seen := make(map[string]bool, len(list))
	for _, id := range list {
		// An id that is no id names no one (as found sorts a lookup's
		// InvalidArgument); asked, it would fail the whole batch.
		if !ids.Valid(id) || seen[id] {
			continue
		}
		seen[id] = true
		ks := kinds(id)
		if n, ok := b.cachedName(ctx, id, ks); ok {
			out[id] = n
			continue
		}
		for _, k := range ks {
			ask[k] = append(ask[k], id)
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for k, list := range ask {
		if len(list) == 0 {
			continue
		}
		wg.Go(func() {
			names, err := b.askNames(ctx, mark, Kind(k), list)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			for id, n := range names {
				out[id] = n
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// cachedName is id's name from the first of ks whose cache holds it.
func (b *Backend) cachedName(ctx context.Context, id string, ks []Kind) (PersonName, bool) {
	for _, k := range ks {
		switch k {
		case Newcomer:
			if n, ok := cache.LookupProto(ctx, b.cache, participantNameKey(id), func() *participantsv1.ParticipantName { return &participantsv1.ParticipantName{} }); ok {
				return PersonName{Name: join(n.GetGivenName(), n.GetFamilyName()), MunicipalityCode: n.GetMunicipalityCode()}, true
			}
		case Volunteer:
			if n, ok := cache.LookupProto(ctx, b.cache, volunteerNameKey(id), func() *volunteersv1.VolunteerName { return &volunteersv1.VolunteerName{} }); ok {
				return PersonName{Name: join(n.GetGivenName(), n.GetFamilyName()), MunicipalityCode: n.GetMunicipalityCode()}, true
			}
		}
	}
	return PersonName{}, false
}

// askNames reads the names of list from kind's service, people.MaxNameIDs
// a call (one call for any page the gateway shows), and caches each
// through mark.
func (b *Backend) askNames(ctx context.Context, mark cache.Mark, kind Kind, list []string) (map[string]PersonName, error) {
	out := make(map[string]PersonName, len(list))
	for len(list) > 0 {
		n := min(len(list), people.MaxNameIDs)
		switch kind {
		case Newcomer:
			res, err := b.Participants.BatchGetParticipantNames(ctx, &participantsv1.BatchGetParticipantNamesRequest{Ids: list[:n]})
			if err != nil {
				return nil, err
			}
			for _, p := range res.GetNames() {
				mark.StoreProto(ctx, participantNameKey(p.GetId()), p)
				out[p.GetId()] = PersonName{Name: join(p.GetGivenName(), p.GetFamilyName()), MunicipalityCode: p.GetMunicipalityCode()}
			}
		case Volunteer:
			res, err := b.Volunteers.BatchGetVolunteerNames(ctx, &volunteersv1.BatchGetVolunteerNamesRequest{Ids: list[:n]})
			if err != nil {
				return nil, err
			}
			for _, v := range res.GetNames() {
				mark.StoreProto(ctx, volunteerNameKey(v.GetId()), v)
				out[v.GetId()] = PersonName{Name: join(v.GetGivenName(), v.GetFamilyName()), MunicipalityCode: v.GetMunicipalityCode()}
			}
		}
		list = list[n:]
	}
	return out, nil
}
