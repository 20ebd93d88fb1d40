package account

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/people"
)

// CheckNew returns every field violation CreateUser refuses u and
// password for (Invalid), or nil, storing nothing and reading no account:
// the gateway merges them with its own checks of the organisation and the
// municipalities typed by name, so an admin learns every field to correct
// from one answer. The users form refused in rounds, the organisation's
// first and the account's after (ADR 0205's Left, 0211). An e-mail
// already taken is still CreateUser's AlreadyExists.
func CheckNew(u *gatewayv1.User, password string) error {
	if u == nil {
		u = &gatewayv1.User{}
	}
	// As CreateUser reads it: the address lower-cased and trimmed, the
	// name trimmed, the first locale when none is given.
	n := proto.Clone(u).(*gatewayv1.User)
	n.Email, n.DisplayName = normEmail(n.GetEmail()), strings.TrimSpace(n.GetDisplayName())
	if n.Locale == "" {
		n.Locale = Locales[0]
	}
	var v apperr.Validator
	validateUser(&v, n)
	validatePassword(&v, "password", password)
	return v.Err()
}

// CheckUpdate returns every field violation UpdateUser refuses the update
// of paths to u (with password) for, or nil, storing nothing: the
// update's shape (mask, bounds, password) and the user as the mask would
// leave them, read from this replica's index. The shape was refused
// first and the user after, so an admin sent it again for each (ADR
// 0214); the gateway merges these with its check of the organisation.
// An unknown user is UpdateUser's NotFound; a taken e-mail its
// AlreadyExists, as a new e-mail is changed alone.
func (s *Service) CheckUpdate(ctx context.Context, u *gatewayv1.User, paths []string, password string) error {
	if u == nil {
		u = &gatewayv1.User{}
	}
	var v apperr.Validator
	checkUpdateBounds(&v, u)
	if password != "" {
		validatePassword(&v, "password", password)
	}
	for _, p := range paths {
		if !slices.Contains(updatable, p) {
			v.Add("update_mask", fmt.Sprintf("%q cannot be changed", p))
		}
	}
	// An e-mail that meets another account's is stepped back alone: with
	// other fields in the same write, the caller was told the address
	// was taken while the rest (a new password, disabled, a role) had
	// changed (ADR 0212). Every caller changes it alone.
	if slices.Contains(paths, "email") && (len(paths) > 1 || password != "") {
		v.Add("update_mask", "changes the e-mail alone: send the other fields and the password in another update")
	}
	if bad := v.Err(); bad == nil || !slices.ContainsFunc(apperr.Violations(bad), func(fv apperr.FieldViolation) bool { return fv.Field == "user.id" }) {
		if a, _, err := s.accounts.Get(ctx, u.GetId()); err == nil {
			validateUser(&v, applyUpdate(a.GetUser(), u, paths))
		}
	}
	return dedupe(v.Err())
}

// updatable are the fields an update's mask may name.
var updatable = []string{"display_name", "email", "role", "organisation_id", "municipality_codes", "locale", "disabled"}

// applyUpdate is cur with the fields paths names taken from u, as
// UpdateUser's write sets them.
func applyUpdate(cur, u *gatewayv1.User, paths []string) *gatewayv1.User {
	n := proto.Clone(cur).(*gatewayv1.User)
	for _, p := range paths {
		switch p {
		case "display_name":
			n.DisplayName = strings.TrimSpace(u.GetDisplayName())
		case "email":
			n.Email = normEmail(u.GetEmail())
		case "role":
			n.Role = u.GetRole()
		case "organisation_id":
			n.OrganisationId = u.GetOrganisationId()
		case "municipality_codes":
			n.MunicipalityCodes = slices.Clone(u.GetMunicipalityCodes())
		case "locale":
			n.Locale = u.GetLocale()
		case "disabled":
			n.Disabled = u.GetDisabled()
		}
	}
	return n
}

// dedupe drops a violation said twice of one field (a bound and the
// merged user's check), keeping err's code when it has none.
func dedupe(err error) error {
	fvs := apperr.Violations(err)
	if len(fvs) == 0 {
		return err
	}
	var v apperr.Validator
	seen := map[apperr.FieldViolation]bool{}
	for _, fv := range fvs {
		if !seen[fv] {
			seen[fv] = true
			v.Add(fv.Field, fv.Description)
		}
	}
	return v.Err()
}

// notNameRune rejects control and other invisible characters (bidi
// overrides and isolates, NUL, escapes, line breaks) in a display name,
// except the zero-width (non-)joiners Persian and Indic names need: the
// rule pkg/people holds personal names to.
func notNameRune(r rune) bool {
	return !unicode.IsPrint(r) && r != '\u200c' && r != '\u200d'
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// validateUser checks u; creating says whether email may be set.
func validateUser(v *apperr.Validator, u *gatewayv1.User) {
	// mail.ParseAddress takes any UTF-8 (RFC 6532) and bytes that are no
	// UTF-8: a bidi override or a zero-width space made an address that
	// reads as another user's on the users page and in the audit (ADR
	// 0208). Printable characters only, no spaces.
	if a, err := mail.ParseAddress(u.GetEmail()); err != nil || a.Address != u.GetEmail() || len(u.GetEmail()) > 254 ||
		!utf8.ValidString(u.GetEmail()) || strings.IndexFunc(u.GetEmail(), func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) || r == utf8.RuneError }) >= 0 {
		v.Add("user.email", "is not an e-mail address")
	}
	if n := len([]rune(strings.TrimSpace(u.GetDisplayName()))); n == 0 || n > 100 {
		v.Add("user.display_name", "must be 1 to 100 characters")
	} else if strings.IndexFunc(u.GetDisplayName(), notNameRune) >= 0 {
		// The users list and every audit entry show it: a right-to-left
		// override would make one name read as another (ADR 0195).
		v.Add("user.display_name", "must not contain control characters")
	} else if people.NameRuneProblem(people.NormName(strings.TrimSpace(u.GetDisplayName()))) == people.InvisibleProblem {
		// A joiner that joins nothing: "\u200d" alone was a user listed
		// with a blank name (sweep48, ADR 0267).
		v.Add("user.display_name", people.InvisibleProblem)
	}
	switch u.GetRole() {
	case gatewayv1.Role_ROLE_ADMIN, gatewayv1.Role_ROLE_OPERATOR:
		if u.GetOrganisationId() != "" || len(u.GetMunicipalityCodes()) > 0 {
			v.Add("user.organisation_id", "only coordinators belong to an organisation")
		}
	case gatewayv1.Role_ROLE_COORDINATOR:
		if u.GetOrganisationId() == "" {
			v.Add("user.organisation_id", "is required for a coordinator")
		}
		if len(u.GetMunicipalityCodes()) == 0 {
			v.Add("user.municipality_codes", "a coordinator needs at least one municipality")
		}
		for i, m := range u.GetMunicipalityCodes() {
			if !municipality.Valid(m) {
				v.Add(fmt.Sprintf("user.municipality_codes[%d]", i), "is not a Swedish municipality code (four digits, for example 0180)")
			}
		}
	default:
		v.Add("user.role", "must be admin, coordinator or operator")
	}
	if !slices.Contains(Locales, u.GetLocale()) {
		v.Add("user.locale", "must be sv, en or ar")
	}
}
