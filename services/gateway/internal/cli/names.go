package cli

import (
	"context"
	"strings"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// muniName is a municipality as the web app shows it, by its name
// ("Stockholm"), never its SCB code ("0180"); a code the table lacks is
// printed as it is.
func muniName(code string) string {
	if m, ok := municipality.Lookup(code); ok {
		return m.Name
	}
	return code
}

// muniNames is muniName of each code, comma-separated.
func muniNames(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = muniName(c)
	}
	return strings.Join(names, ", ")
}

// organisationName is the organisation id's name as the web app shows it
// (mp whoami printed the id, a uuid); "" for no organisation, the id when
// the register does not list it for the caller.
func (c *clients) organisationName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	name := id
	err := pages(func(token string) (string, error) {
		res, err := c.registry.ListOrganisations(ctx, connect.NewRequest(&gatewayv1.ListOrganisationsRequest{PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, o := range res.Msg.GetOrganisations() {
			if o.GetId() == id {
				name = o.GetName()
				return "", nil
			}
		}
		return res.Msg.GetNextPageToken(), nil
	})
	return name, err
}
