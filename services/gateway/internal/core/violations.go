package core

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/grpcx"
)

// everyViolation answers a request the gateway refused itself (ours: an
// Invalid error, a consent to a text that does not exist) with the
// service's violations of the same request too, in one answer, capped as
// every answer is (apperr.MaxViolations). validate asks the service to
// check the request without a write (validate_only). Before, the consent
// came alone and the rest after a second try (ADR 0126, 0132).
//
// The service's violations come first, in the request's field order
// (the consents are its last fields), then the gateway's on fields the
// service did not name. When the service finds nothing, or refuses for
// another reason (scope, an outage), the gateway's answer stands.
func everyViolation(ours error, validate func() error) error {
	theirs := validate()
	if status.Code(theirs) != codes.InvalidArgument {
		return ours
	}
	var v apperr.Validator
	named := map[string]bool{}
	for _, f := range grpcx.FieldViolations(theirs) {
		v.Add(f.Field, f.Description)
		named[f.Field] = true
	}
	v.Omit(apperr.OmittedIn(status.Convert(theirs).Message()))
	var e *apperr.Error
	if errors.As(ours, &e) {
		for _, f := range e.Violations {
			if !named[f.Field] {
				v.Add(f.Field, f.Description)
			}
		}
		v.Omit(e.Omitted)
	}
	return v.Err()
}
