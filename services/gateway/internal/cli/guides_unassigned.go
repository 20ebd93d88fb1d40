package cli

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// listGuideUnassigned prints the entitled newcomers guides job id left
// without a guide, each with why in the web app's words (ADR 0158), as mp
// jobs unmatched does for mentoring: the job's "utan plats" made into
// people to follow up, namesakes told apart over the whole list (ADR 0175).
func listGuideUnassigned(ctx context.Context, g gatewayv1connect.GuidesServiceClient, ask askNamesakes, id string, e env) error {
	var rows []*gatewayv1.GuideUnassignedView
	err := pages(func(token string) (string, error) {
		res, err := g.ListGuideUnassigned(ctx, connect.NewRequest(&gatewayv1.ListGuideUnassignedRequest{JobId: id, PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		rows = append(rows, res.Msg.GetUnassigned()...)
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	pn, _, err := ask(participantIDs(rows), nil)
	if err != nil {
		return err
	}
	told := tellLeftOut(rows, pn)
	byProposals := false
	for _, u := range rows {
		why := e.code("guides.unassigned.", u.GetReason().String(), "UNASSIGNED_REASON_")
		if len(u.GetFullUnits()) > 0 {
			units := make([]string, 0, len(u.GetFullUnits()))
			for _, f := range u.GetFullUnits() {
				byProposals = byProposals || f.GetHeldByProposals() > 0
				units = append(units, catalog.GuideUnit(e.words().lang, e.orgOrGone(f.GetOrganisationId(), f.GetOrganisationName()), e.code("guides.lang.", f.GetLanguage(), ""),
					f.GetScore(), f.GetHeldByProposals(), f.GetHeldByAssignments(), f.GetHeldByThisJob()))
			}
			why = e.d("guides.unassigned.units_full_named", "Units", strings.Join(units, ", "))
		}
		fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", u.GetParticipantId(), e.apart(e.nameOrGone(u.GetParticipantName()), told[u.GetParticipantId()]),
			muniName(u.GetMunicipalityCode()), why)
	}
	printFreeHint(e.Out, e, "guides", byProposals)
	return nil
}
