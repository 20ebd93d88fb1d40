package account

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/store"
)

// GetUser returns the user with id. Returns Invalid for an id that is no
// id (naming "id", as DeleteUser does), NotFound.
func (s *Service) GetUser(ctx context.Context, id string) (*gatewayv1.User, error) {
	var v apperr.Validator
	validateID(&v, "id", id)
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, _, err := s.accounts.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.GetUser(), nil
}

// ListUsers returns users ordered by id, a page at a time. The page size
// is 0 to page.MaxSize (0: page.DefaultSize) and the token one it gave
// (page.Encode), as every list's; anything else is Invalid naming the
// field (a negative size and any string as a token were taken: ADR 0208).
func (s *Service) ListUsers(pageSize int, token string) ([]*gatewayv1.User, string, error) {
	var v apperr.Validator
	size := int32(min(max(pageSize, -1), page.MaxSize+1))
	n, after := page.Check(&v, size, token)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	// A create withdrawn (no e-mail, pending) is removed next by whoever
	// settles it (email_change.go): no user.
	p, err := s.accounts.Find(store.Query[*storev1.Account]{After: after, Limit: n,
		Filter: func(a *storev1.Account) bool { return a.GetUser().GetEmail() != "" }})
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatewayv1.User, len(p.Items))
	for i, a := range p.Items {
		out[i] = proto.Clone(a.GetUser()).(*gatewayv1.User)
	}
	return out, page.Encode(p.Next), nil
}

func validateID(v *apperr.Validator, field, id string) {
	switch {
	case id == "":
		v.Add(field, "is required")
	case !ids.Valid(id):
		v.Add(field, "is not a user id")
	}
}

// checkUpdateBounds checks an update's user id, and the bounds of every
// field it carries whether or not the mask names it: a million-byte e-mail
// outside the mask answered NotFound, or was stored nowhere but read
// whole (ADR 0208). Values inside the bounds are checked by validateUser
// once the mask has applied them.
func checkUpdateBounds(v *apperr.Validator, u *gatewayv1.User) {
	validateID(v, "user.id", u.GetId())
	if len(u.GetEmail()) > 254 {
		v.Add("user.email", "is not an e-mail address")
	}
	if len([]rune(u.GetDisplayName())) > 100 {
		v.Add("user.display_name", "must be 1 to 100 characters")
	}
	if o := u.GetOrganisationId(); o != "" && !ids.Valid(o) {
		v.Add("user.organisation_id", "is not an id")
	}
	for i, m := range u.GetMunicipalityCodes() {
		if len(m) > 4 {
			v.Add(fmt.Sprintf("user.municipality_codes[%d]", i), "is not a Swedish municipality code (four digits, for example 0180)")
		}
	}
	if len(u.GetLocale()) > 8 {
		v.Add("user.locale", "must be sv, en or ar")
	}
}

// awaitIndex waits briefly until this replica's index shows generation gen
// of account id, so a change (a revocation above all) is enforced by this
// replica before the caller hears it is done.
func (s *Service) awaitIndex(ctx context.Context, id string, gen int64) {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if a, ok := s.accounts.Lookup(id); ok && a.GetGeneration() >= gen {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
