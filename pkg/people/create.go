package people

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// Create is the store half of both registers' Create, kept once like
// Update and Remove so they cannot drift apart on a repeated request: it
// stores the record build makes under a new id from newID, once per
// requestID of who (CreateOnce: a repeat answers the record of the first
// call), or, without a request id, with one durable write less
// (CreateNew: nothing to remember; docs/adr/0032, 0177). A record of a
// repeated request id outside who's scope, as from another organisation,
// is NotFound ("<noun> not found"), so it is not revealed. The record
// returned is this call's own: the caller may stamp it (its etag) without
// a copy.
func Create[T Scoped](ctx context.Context, repo *store.Repo[T], who auth.Claims, noun, requestID string, newID func() string,
	build func(id string) (T, []*eventsv1.Envelope, error)) (T, error) {
	var (
		out  T
		zero T
		err  error
	)
	if requestID == "" {
		out, _, err = repo.CreateNew(ctx, newID, build)
	} else {
		out, _, err = repo.CreateOnce(ctx, who.Organisation+"/"+who.Subject+"/"+requestID, newID, build)
	}
	if err != nil {
		return zero, err
	}
	if !who.CanSee(out.GetOrganisationId(), out.GetMunicipalityCode()) {
		return zero, apperr.Errorf(apperr.NotFound, "%s not found", noun)
	}
	return out, nil
}
