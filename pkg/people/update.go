package people

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/fieldmask"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
)

// Record is a register's record as Update changes it: scoped, with the id
// it is stored under and the etag a client sends back.
type Record interface {
	Scoped
	GetId() string
	GetEtag() string
}

// Edit is what differs between the registers' updates; Update keeps the
// rest once.
type Edit[T Record] struct {
	// Noun names the record in messages ("participant").
	Noun string
	// Updatable lists the fields the mask may name (fieldmask.Apply).
	Updatable []string
	// Check completes cur once the mask is applied (its defaults) and
	// adds its problems to v.
	Check func(cur T, v *apperr.Validator)
	// Moved, when set, adds to v the problems that need a look-up (an
	// organisation that must exist), once cur is valid and stays in the
	// caller's scope; before is the record as stored.
	Moved func(ctx context.Context, cur, before T, v *apperr.Validator) error
	// Stamp marks cur as changed: its update time set, its etag cleared.
	Stamp func(cur T)
	// Event makes the "updated" event of cur, naming the changed fields.
	Event func(cur T, changed []string) (*eventsv1.Envelope, error)
}

// Update is the Update of both registers, kept once so the participant and
// the volunteer register cannot drift apart on who may change what: it
// applies the fields of in named by mask to the stored record on who's
// behalf and publishes e.Event when anything changed, then evicts the
// cached copy under cacheKey. A non-empty in.etag must match the stored
// version. A record outside who's scope is NotFound, like an unknown id;
// a change that would move it outside is PermissionDenied, checked after
// validation. Returns Invalid, NotFound, Conflict, PermissionDenied.
func Update[T Record](ctx context.Context, repo *store.Repo[T], c *cache.Cache, who auth.Claims, in T, mask []string,
	cacheKey string, e Edit[T]) (T, uint64, error) {
	var zero T
	if !CanWrite(who) {
		return zero, 0, apperr.Errorf(apperr.PermissionDenied, "your role may not change %ss", e.Noun)
	}
	if !ids.Valid(in.GetId()) { // also a nil in
		return zero, 0, apperr.FieldError(e.Noun+".id", "is not an id")
	}
	out, rev, err := repo.Update(ctx, in.GetId(), func(cur T, _ uint64) (store.Change, error) {
		if !who.CanSee(cur.GetOrganisationId(), cur.GetMunicipalityCode()) {
			return nil, apperr.Errorf(apperr.NotFound, "%s not found", e.Noun)
		}
		if in.GetEtag() != "" && in.GetEtag() != store.Etag(cur) {
			return nil, apperr.Errorf(apperr.Conflict, "the %s was changed by someone else; reload and try again", e.Noun)
		}
		before := proto.Clone(cur).(T)
		if _, err := fieldmask.Apply(cur, in, mask, e.Updatable, "update_mask"); err != nil {
			return nil, err
		}
		var v apperr.Validator
		e.Check(cur, &v)
		if err := v.Err(); err != nil {
			return nil, err
		}
		// Scope before existence, as in Create.
		if !who.CanSee(cur.GetOrganisationId(), cur.GetMunicipalityCode()) {
			return nil, apperr.Errorf(apperr.PermissionDenied, "you may not move a %s outside your organisation and municipalities", e.Noun)
		}
		if e.Moved != nil {
			if err := e.Moved(ctx, cur, before, &v); err != nil {
				return nil, err
			}
			if err := v.Err(); err != nil {
				return nil, err
			}
		}
		changed := fieldmask.Changed(before, cur)
		if len(changed) == 0 {
			return nil, nil
		}
		e.Stamp(cur)
		ev, err := e.Event(cur, changed)
		if err != nil {
			return nil, err
		}
		return store.Change{ev}, nil
	})
	if err != nil {
		return zero, 0, NotFound(err, e.Noun)
	}
	_ = c.Invalidate(ctx, cacheKey)
	return out, rev, nil
}
