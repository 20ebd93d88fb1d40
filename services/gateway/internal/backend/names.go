package backend

import (
	"context"
	"maps"
	"slices"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/cache"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
)

// PersonName is a person as a list names them: "Förnamn Efternamn" and
// the municipality (SCB code) that follows it ("…, Kommun", apart.Named),
// and, for a newcomer, when they were registered, which tells two of one
// name in one municipality apart (nil for a volunteer, and from a
// participants service older than ADR 0228).
type PersonName struct {
	Name, MunicipalityCode string
	Registered             *timestamppb.Timestamp
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
// views must not be read from it. Invalidated by the same events. A
// newcomer's key changed when the name began to carry the registration
// (ADR 0228): an entry cached before, without it, is never read as a
// newcomer registered at no time; it expires with its TTL.
func participantNameKey(id string) string { return "participant-name/2/" + id }
func volunteerNameKey(id string) string   { return "volunteer-name/" + id }

// PeopleNames names the people list holds, with the gateway's own
// identity (the names are joined to records the caller's token read, as
// ParticipantName's are), from the cache and in one call per service for
// the rest (BatchGetParticipantNames, BatchGetVolunteerNames, ADR 0222):
// the mailbox's page of 200 recipients was 200 to 400 reads, one per
// person and kind. kinds says which services may hold an id, the likelier
// first: the caches are looked up in that order (one round trip per kind
// and step, ADR 0222: a GET per key cost more than the batch saved), and an id neither cache
// holds is asked of each of them, in the one call each service gets (an
// id is at most one kind). An id no service names (erased, unknown) is
// not in the map. Any service's error is returned as it came; a partial
// map is never returned.
func (b *Backend) PeopleNames(ctx context.Context, list []string, kinds func(id string) []Kind) (map[string]PersonName, error) {
	out := make(map[string]PersonName, len(list))
	mark := b.cache.Mark()
	// Each id's kinds in order; the cache is asked a kind at a time for
	// every id still unnamed, in one round trip per kind and step.
	order := map[string][]Kind{}
	var left []string
	for _, id := range list {
		// An id that is no id names no one (as found sorts a lookup's
		// InvalidArgument); asked, it would fail the whole batch.
		if _, seen := order[id]; seen || !ids.Valid(id) {
			continue
		}
		order[id] = kinds(id)
		left = append(left, id)
	}
	for step := 0; len(left) > 0; step++ {
		var byKind [2][]string
		var more bool
		for _, id := range left {
			if ks := order[id]; step < len(ks) {
				byKind[ks[step]] = append(byKind[ks[step]], id)
				more = true
			}
		}
		if !more {
			break
		}
		for k, in := range byKind {
			maps.Copy(out, b.cachedNames(ctx, Kind(k), in))
		}
		left = slices.DeleteFunc(left, func(id string) bool { _, ok := out[id]; return ok })
	}
	var ask [2][]string
	for _, id := range left {
		for _, k := range order[id] {
			ask[k] = append(ask[k], id)
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for k, in := range ask {
		if len(in) == 0 {
			continue
		}
		wg.Go(func() {
			names, err := b.askNames(ctx, mark, Kind(k), in)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			maps.Copy(out, names)
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// namedPerson is what both services' name answers carry
// (ParticipantName, VolunteerName).
type namedPerson interface {
	proto.Message
	GetId() string
	GetGivenName() string
	GetFamilyName() string
	GetMunicipalityCode() string
}

// personName is n as a list names it, with when a newcomer was
// registered.
func personName(n namedPerson) PersonName {
	out := PersonName{Name: join(n.GetGivenName(), n.GetFamilyName()), MunicipalityCode: n.GetMunicipalityCode()}
	if r, ok := n.(interface{ GetCreateTime() *timestamppb.Timestamp }); ok {
		out.Registered = r.GetCreateTime()
	}
	return out
}

// cachedNames is the names of in that kind's cache holds, looked up in
// one round trip.
func (b *Backend) cachedNames(ctx context.Context, kind Kind, in []string) map[string]PersonName {
	if len(in) == 0 {
		return map[string]PersonName{}
	}
	if kind == Volunteer {
		return cachedNamesOf(ctx, b.cache, volunteerNameKey, func() *volunteersv1.VolunteerName { return &volunteersv1.VolunteerName{} }, in)
	}
	return cachedNamesOf(ctx, b.cache, participantNameKey, func() *participantsv1.ParticipantName { return &participantsv1.ParticipantName{} }, in)
}

// cachedNamesOf is cachedNames for one kind's key and message.
func cachedNamesOf[T namedPerson](ctx context.Context, c *cache.Cache, key func(string) string, newT func() T, in []string) map[string]PersonName {
	keys := make([]string, len(in))
	for i, id := range in {
		keys[i] = key(id)
	}
	found := cache.LookupProtos(ctx, c, keys, newT)
	out := make(map[string]PersonName, len(found))
	for i, id := range in {
		if n, ok := found[keys[i]]; ok {
			out[id] = personName(n)
		}
	}
	return out
}

// askNames reads the names of list from kind's service, people.MaxNameIDs
// a call (one call for any page the gateway shows), and caches them
// through mark, one round trip of the cache a call.
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
			keep(ctx, mark, participantNameKey, res.GetNames(), out)
		case Volunteer:
			res, err := b.Volunteers.BatchGetVolunteerNames(ctx, &volunteersv1.BatchGetVolunteerNamesRequest{Ids: list[:n]})
			if err != nil {
				return nil, err
			}
			keep(ctx, mark, volunteerNameKey, res.GetNames(), out)
		}
		list = list[n:]
	}
	return out, nil
}

// keep names what a service answered into out and caches it under key,
// through mark (dropped if the people changed since the mark).
func keep[T namedPerson](ctx context.Context, mark cache.Mark, key func(string) string, names []T, out map[string]PersonName) {
	store := make(map[string]proto.Message, len(names))
	for _, n := range names {
		store[key(n.GetId())] = n
		out[n.GetId()] = personName(n)
	}
	mark.StoreProtos(ctx, store)
}
