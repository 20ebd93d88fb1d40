package core

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// found sorts the error of a name lookup (Backend.ParticipantView,
// VolunteerView and their Name forms) for a list or view that adds names
// to rows a service returned (ADR 0182).
//
// Only NotFound means the person is gone (erased, removed, or never
// there): found is false and err nil, and the row stays nameless, which
// the web app and mp show as "(borttagen)". So is InvalidArgument: the
// lookup's one input is the id a record holds, and an id that is no id
// (a seating's empty host, say) names no one. Every other error (the
// participants or volunteers service down, slow, refusing the gateway's
// own token, the caller gone) is returned as Unavailable: a nameless row
// would tell a coordinator that people were erased who were not, for
// every row at once while the service is down. The caller fails the whole
// call; the web app shows its "try again" page and mp its error, in words.
func (g *Gateway) found(ctx context.Context, err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case status.Code(err) == codes.NotFound, status.Code(err) == codes.InvalidArgument:
		return false, nil
	}
	// The code only: the error may carry a service's message about a person.
	g.Log.WarnContext(ctx, "name lookup failed", "code", status.Code(err).String())
	return false, errNoNames
}

// organisationName is Backend.OrganisationName sorted as found sorts a
// person's (ADR 0188): an organisation removed (NotFound) has no name,
// which the web app and mp show as "(borttagen)"; any other error (the
// volunteers service down) fails the read as Unavailable rather than show
// a person's or an assignment's organisation as blank or removed.
func (g *Gateway) organisationName(ctx context.Context, id string) (string, error) {
	name, err := g.Backend.OrganisationName(ctx, id)
	if _, err := g.found(ctx, err); err != nil {
		return "", err
	}
	return name, nil
}

// errNoNames is found's error: one value, so written can tell it from the
// errors of the call it follows.
var errNoNames = apperr.Errorf(apperr.Unavailable, "names cannot be read right now; try again in a moment")

// written is for a view returned by a change the caller just made (an
// offer updated, a pair accepted): when only its names could not be read,
// the change stands and the view goes back without them. "Try again"
// would invite making the change twice. Reads and lists fail instead.
func written[V any](v V, err error) (V, error) {
	if errors.Is(err, errNoNames) {
		return v, nil
	}
	return v, err
}

// hidden reports whether a view's error is its scope check's NotFound,
// whose row a list leaves out; any other error fails the list.
func hidden(err error) bool {
	return apperr.ErrorCode(err) == apperr.NotFound
}
