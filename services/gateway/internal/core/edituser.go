package core

import (
	"github.com/motesplats/motesplats/pkg/apperr"
)

// mergeViolations returns the field violations of every Invalid error in
// errs as one Invalid answer, each said once, or the first other error;
// nil when none. The users edit answered the organisation's refusals
// before the account's (ADR 0214).
func mergeViolations(errs ...error) error {
	var v apperr.Validator
	seen := map[apperr.FieldViolation]bool{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		if apperr.ErrorCode(err) != apperr.Invalid {
			return err
		}
		for _, fv := range apperr.Violations(err) {
			if !seen[fv] {
				seen[fv] = true
				v.Add(fv.Field, fv.Description)
			}
		}
	}
	return v.Err()
}
