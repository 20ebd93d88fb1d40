package people

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/ids"
)

// MaxNameIDs is how many people one BatchGetParticipantNames or
// BatchGetVolunteerNames call may name: mp's mailbox page of 200 messages
// names up to 200 people, and the gateway names a page in one call per
// service (ADR 0222). Each id costs the service one Get, in process.
const MaxNameIDs = 200

// NameIDs checks the ids a BatchGet…Names call names (at most MaxNameIDs,
// each an id) and returns them once each, in the order first named. Every
// id at fault is a field violation ("ids[3]"); a list over the cap is one
// violation on the field, its entries unread.
func NameIDs(v *apperr.Validator, field string, list []string) []string {
	if len(list) > MaxNameIDs {
		v.Add(field, fmt.Sprintf("must list at most %d entries", MaxNameIDs))
		return nil
	}
	out := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	for i, id := range list {
		if !ids.Valid(id) {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "is not an id")
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// nameReaders bounds the people NamesOf reads at once: each read waits on
// the service's cache and store over the network, and a page of 200 read
// one after another took longer than 200 separate calls 8 at a time
// (ADR 0222).
const nameReaders = 16

// NamesOf reads the people list names, each with get (the service's Get
// for the caller), nameReaders at a time, and names them with name, in
// list's order. A person get answers NotFound for (outside the caller's
// scope, erased, no one: Get tells them apart for no one) is left out;
// any other error fails the whole call, since a list silently short of a
// name reads as that person being gone.
func NamesOf[T, N any](list []string, get func(id string) (T, error), name func(T) N) ([]N, error) {
	got := make([]*N, len(list))
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	slots := make(chan struct{}, nameReaders)
	for i, id := range list {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			p, err := get(id)
			switch {
			case apperr.ErrorCode(err) == apperr.NotFound:
			case err != nil:
				errs[i] = err
			default:
				n := name(p)
				got[i] = &n
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in list's order, as one at a time gave
		}
	}
	out := make([]N, 0, len(list))
	for _, n := range got {
		if n != nil {
			out = append(out, *n)
		}
	}
	return out, nil
}

// Stored is how a service's Get reads one record for NamesThrough: the
// cache it keeps records in, the record's key there, how to load one from
// the store (apperr NotFound for none), and whether the caller may see it.
// Conceal, when set, does what loading an id of no one does beyond what
// loading a record did and answers as that load would (the store's
// Repo.Conceal): a record loaded that the caller may not see is answered
// through it, so that it costs what an id of no one costs (ADR 0235).
type Stored[T proto.Message] struct {
	Cache   *cache.Cache
	Key     func(id string) string
	New     func() T
	Load    func(ctx context.Context, id string) (T, error)
	Visible func(T) bool
	Conceal func(ctx context.Context) error
}

// NamesThrough is NamesOf with Get's reads done as a batch: the records
// r's cache holds are looked up in one round trip, the rest loaded from
// the store nameReaders at a time and cached in one more, and each is
// named only if r.Visible, as Get answers NotFound for one the caller may
// not see (through r.Conceal when it was loaded). Ids the cache remembers
// as of no one are left out unread, and those loaded as of no one are
// remembered (cache.Options.Absent). A page read by Get one id at a time
// was two cache round trips and a store read per id, one after another
// (ADR 0222).
func NamesThrough[T proto.Message, N any](ctx context.Context, r Stored[T], list []string, name func(T) N) ([]N, error) {
	keys := make([]string, len(list))
	for i, id := range list {
		keys[i] = r.Key(id)
	}
	mark := r.Cache.Mark()
	cached, none := cache.LookupProtosOrAbsent(ctx, r.Cache, keys, r.New)
	var mu sync.Mutex
	loaded := map[string]proto.Message{}
	var absent []string
	names, err := NamesOf(list, func(id string) (T, error) {
		var zero T
		if none[r.Key(id)] {
			return zero, apperr.Errorf(apperr.NotFound, "not found")
		}
		v, ok := cached[r.Key(id)]
		if !ok {
			var err error
			v, err = r.Load(ctx, id)
			mu.Lock()
			switch {
			case err == nil:
				loaded[r.Key(id)] = v
			case apperr.ErrorCode(err) == apperr.NotFound:
				absent = append(absent, r.Key(id))
			}
			mu.Unlock()
			if err != nil {
				return v, err
			}
		}
		if !r.Visible(v) {
			if !ok && r.Conceal != nil {
				return zero, r.Conceal(ctx)
			}
			return zero, apperr.Errorf(apperr.NotFound, "not found")
		}
		return v, nil
	}, name)
	mark.Store(ctx, loaded, absent)
	return names, err
}
