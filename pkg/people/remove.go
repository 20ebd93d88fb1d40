package people

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
)

// Scoped is a register's record as Remove reads it: where it belongs,
// which decides who may see it.
type Scoped interface {
	proto.Message
	GetOrganisationId() string
	GetMunicipalityCode() string
}

// CanWrite reports whether who may register, change and remove people:
// administrators, coordinators and services do; operators, who see no
// personal data, do not. Both registers ask it before every change.
func CanWrite(who auth.Claims) bool {
	return who.Role == auth.RoleAdmin || who.Role == auth.RoleCoordinator || who.Role == auth.RoleService
}

// Remove is the Delete of both registers, kept once so the participant
// and the volunteer register cannot drift apart on who may remove whom:
// it removes record id on who's behalf, or with erase purges every trace
// of it (the right to erasure), publishing the event that event makes
// for the case, and evicts the cached copy under cacheKey. A record
// outside who's organisation and municipalities is NotFound, like an
// unknown id, so its existence is not revealed; a record removed earlier
// is erased only by an administrator (store.Repo.RemoveScoped), and an
// erasure sent again by who after the record is gone answers as the first
// (ADR 0264). noun names
// the record in messages ("participant"). Returns Invalid,
// PermissionDenied, NotFound.
func Remove[T Scoped](ctx context.Context, repo *store.Repo[T], c *cache.Cache, who auth.Claims, noun, id, cacheKey string,
	erase bool, event func(erase bool) (*eventsv1.Envelope, error)) error {
	if !CanWrite(who) {
		return apperr.Errorf(apperr.PermissionDenied, "your role may not remove %ss", noun)
	}
	if !ids.Valid(id) {
		return apperr.FieldError("id", "is not an id")
	}
	err := repo.RemoveScoped(ctx, id, erase, who.Subject,
		func(cur T) bool { return who.CanSee(cur.GetOrganisationId(), cur.GetMunicipalityCode()) },
		who.Role == auth.RoleAdmin, event)
	if err != nil {
		return NotFound(err, noun)
	}
	_ = c.Invalidate(ctx, cacheKey)
	return nil
}

// NotFound replaces the message of a NotFound error with "<noun> not
// found", so an answer names the record and not the store's key; other
// errors pass unchanged.
func NotFound(err error, noun string) error {
	if apperr.ErrorCode(err) == apperr.NotFound {
		return apperr.Errorf(apperr.NotFound, "%s not found", noun)
	}
	return err
}
