package core

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// GetUser returns a user: "me", or anyone for admins.
func (g *Gateway) GetUser(ctx context.Context, c Caller, id string) (*gatewayv1.User, error) {
	if id == "me" || id == c.User.GetId() {
		return proto.Clone(c.User).(*gatewayv1.User), nil
	}
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	return g.Accounts.GetUser(ctx, id)
}

// ListUsers pages through users. Admins only.
func (g *Gateway) ListUsers(ctx context.Context, c Caller, pageSize int, after string) ([]*gatewayv1.User, string, error) {
	if err := adminOnly(c); err != nil {
		return nil, "", err
	}
	return g.Accounts.ListUsers(pageSize, after)
}

// CreateUser creates a user. Admins only.
func (g *Gateway) CreateUser(ctx context.Context, c Caller, u *gatewayv1.User, password string) (*gatewayv1.User, error) {
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	if err := g.CheckNewUser(ctx, c, u, password, nil); err != nil {
		return nil, err
	}
	out, err := g.Accounts.CreateUser(ctx, u, password)
	if err := g.record(ctx, c, "create", "user", out.GetId(), err); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateUser changes a user. Admins may change anything; users only their
// own locale and display name.
func (g *Gateway) UpdateUser(ctx context.Context, c Caller, u *gatewayv1.User, paths []string, password string) (*gatewayv1.User, error) {
	if !c.IsAdmin() {
		if u.GetId() != c.User.GetId() && u.GetId() != "me" || password != "" {
			return nil, errAdminOnly
		}
		for _, p := range paths {
			if p != "locale" && p != "display_name" {
				return nil, errAdminOnly
			}
		}
		u = proto.Clone(u).(*gatewayv1.User)
		u.Id = c.User.GetId()
	} else if slices.ContainsFunc(paths, func(p string) bool { return p == "role" || p == "organisation_id" || p == "municipality_codes" }) {
		cur, err := g.Accounts.GetUser(ctx, u.GetId())
		if err != nil {
			return nil, err
		}
		next := proto.Clone(cur).(*gatewayv1.User)
		for _, p := range paths {
			switch p {
			case "role":
				next.Role = u.GetRole()
			case "organisation_id":
				next.OrganisationId = u.GetOrganisationId()
			case "municipality_codes":
				next.MunicipalityCodes = u.GetMunicipalityCodes()
			}
		}
		// The organisation's refusals and the account's in one answer:
		// the organisation was refused first and the rest after, so an
		// admin sent the edit again for each (ADR 0214).
		org := g.checkOrganisation(ctx, c, next)
		if org != nil && apperr.ErrorCode(org) != apperr.Invalid {
			return nil, org
		}
		if err := mergeViolations(org, g.Accounts.CheckUpdate(ctx, u, paths, password)); err != nil {
			return nil, err
		}
	}
	out, err := g.Accounts.UpdateUser(ctx, u, paths, password)
	if err := g.record(ctx, c, "update", "user", u.GetId(), err); err != nil {
		return nil, err
	}
	return out, nil
}

// checkOrganisation checks that a coordinator's organisation exists and
// works in each of the coordinator's municipalities, asking the volunteers
// service that keeps organisations. Returns Invalid naming the field.
func (g *Gateway) checkOrganisation(ctx context.Context, c Caller, u *gatewayv1.User) error {
	if u.GetRole() != gatewayv1.Role_ROLE_COORDINATOR || u.GetOrganisationId() == "" {
		return nil // the account's own validation reports what is missing
	}
	sctx, err := g.as(ctx, c)
	if err != nil {
		return err
	}
	var v apperr.Validator
	res, err := g.Backend.Volunteers.GetOrganisation(sctx, &volunteersv1.GetOrganisationRequest{Id: u.GetOrganisationId()})
	var code apperr.Code
	if err != nil {
		code = Public(ctx, g.Log, err).Code
	}
	switch {
	case err == nil:
		for i, m := range u.GetMunicipalityCodes() {
			if !slices.Contains(res.GetOrganisation().GetMunicipalityCodes(), m) {
				v.Add(fmt.Sprintf("user.municipality_codes[%d]", i), fmt.Sprintf("%s is not one of the organisation's municipalities (%s)",
					m, strings.Join(res.GetOrganisation().GetMunicipalityCodes(), ", ")))
			}
		}
	case code == apperr.NotFound || code == apperr.Invalid:
		v.Add("user.organisation_id", "no organisation has this id")
	default:
		return err
	}
	return v.Err()
}
