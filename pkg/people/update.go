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
	if err := mayEdit(who, in, e.Noun); err != nil {
		return zero, 0, err
	}
	out, rev, err := repo.Update(ctx, in.GetId(), func(cur T, _ uint64) (store.Change, error) {
		before, err := checkEdit(ctx, who, in, mask, e, cur)
		if err != nil {
			return nil, err
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

// ValidateUpdate checks a change as Update does, in its order (role, id,
// the record's scope and etag, the mask, every field violation, the
// move's scope, then e.Moved's look-ups), on the record as stored, and
// writes, publishes and evicts nothing: a request with validate_only
// (ADR 0139), which a web edit form asks when it refuses a field itself
// so one answer lists every problem. Returns Invalid, NotFound, Conflict,
// PermissionDenied.
func ValidateUpdate[T Record](ctx context.Context, repo *store.Repo[T], who auth.Claims, in T, mask []string, e Edit[T]) error {
	if err := mayEdit(who, in, e.Noun); err != nil {
		return err
	}
	cur, _, err := repo.Get(ctx, in.GetId())
	if err == nil {
		_, err = checkEdit(ctx, who, in, mask, e, cur)
	}
	return NotFound(err, e.Noun)
}

// mayEdit refuses a caller whose role writes no records and an in without
// a valid id (also a nil in).
func mayEdit[T Record](who auth.Claims, in T, noun string) error {
	if !CanWrite(who) {
		return apperr.Errorf(apperr.PermissionDenied, "your role may not change %ss", noun)
	}
	if !ids.Valid(in.GetId()) {
		return apperr.FieldError(noun+".id", "is not an id")
	}
	return nil
}

// checkEdit applies the fields of in named by mask to cur, the stored
// record, and checks the result on who's behalf; it returns cur as it was
// before, for the changed fields. Update and ValidateUpdate both use it,
// so a check cannot answer otherwise than the write.
func checkEdit[T Record](ctx context.Context, who auth.Claims, in T, mask []string, e Edit[T], cur T) (T, error) {
	var zero T
	if !who.CanSee(cur.GetOrganisationId(), cur.GetMunicipalityCode()) {
		return zero, apperr.Errorf(apperr.NotFound, "%s not found", e.Noun)
	}
	if in.GetEtag() != "" && in.GetEtag() != store.Etag(cur) {
		return zero, apperr.Errorf(apperr.Conflict, "the %s was changed by someone else; reload and try again", e.Noun)
	}
	before := proto.Clone(cur).(T)
	if _, err := fieldmask.Apply(cur, in, mask, e.Updatable, "update_mask"); err != nil {
		return zero, err
	}
	var v apperr.Validator
	e.Check(cur, &v)
	if err := v.Err(); err != nil {
		return zero, err
	}
	// Scope before existence, as in Create.
	if !who.CanSee(cur.GetOrganisationId(), cur.GetMunicipalityCode()) {
		return zero, apperr.Errorf(apperr.PermissionDenied, "you may not move a %s outside your organisation and municipalities", e.Noun)
	}
	if e.Moved != nil {
		if err := e.Moved(ctx, cur, before, &v); err != nil {
			return zero, err
		}
		if err := v.Err(); err != nil {
			return zero, err
		}
	}
	return before, nil
}
