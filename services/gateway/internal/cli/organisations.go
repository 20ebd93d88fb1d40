package cli

// mp organisations: the organisations, and an administrator registering
// one. Every newcomer, volunteer and coordinator belongs to one, and on a
// system without the demo data mp had no way to make the first: the web
// app's Organisationer page could (ADR 0251), mp and a script could not
// (ADR 0254). The command takes what the page takes, by the same names.

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// orgTypeChoice is an organisation's type, by the words the web page's
// picker shows ("association (ideell förening)").
var orgTypeChoice = choice{prefix: "ORGANISATION_TYPE_", values: volunteersv1.OrganisationType_value, label: "guides.orgtype."}

// listOrganisations prints every organisation the caller sees (a
// coordinator their own): id, name, type and municipalities in words, as
// the web page lists them, tab-separated.
func listOrganisations(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("organisations list", flag.ContinueOnError)
	if err := e.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	return pages(func(token string) (string, error) {
		res, err := c.registry.ListOrganisations(ctx, connect.NewRequest(&gatewayv1.ListOrganisationsRequest{PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, o := range res.Msg.GetOrganisations() {
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", o.GetId(), o.GetName(), e.code("guides.orgtype.", o.GetType().String(), "ORGANISATION_TYPE_"),
				muniNames(o.GetMunicipalityCodes()))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// addOrganisation registers an organisation and prints its id (for a
// script's next command, as participants add prints the newcomer's).
// Administrators only: the gateway refuses others. One request id per
// run, which a retry after a dropped connection sends again, so a run
// registers it once.
func addOrganisation(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("organisations add", flag.ContinueOnError)
	name := fs.String("name", "", e.t("flag.org_name"))
	typ := fs.String("type", "", e.usage("flag.org_type", orgTypeChoice))
	munis := municipalitiesFlag(fs, "municipalities", e.t("flag.org_municipalities"))
	if err := e.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	t, err := e.enumFlag("type", *typ, orgTypeChoice)
	if err != nil {
		return err
	}
	o := &volunteersv1.Organisation{Name: strings.TrimSpace(*name), Type: volunteersv1.OrganisationType(t), MunicipalityCodes: splitCSV(*munis)}
	res, err := c.registry.CreateOrganisation(ctx, connect.NewRequest(&gatewayv1.CreateOrganisationRequest{Organisation: o, RequestId: ids.UUIDv7{}.New()}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetOrganisation().GetId())
	return nil
}
