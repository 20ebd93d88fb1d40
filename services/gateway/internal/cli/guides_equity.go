package cli

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// The guides' figures and words: the equity report, and the eligibility
// reasons in mp's language.

// guideEquity prints the equity rows in words; -csv prints the service's
// machine CSV (English, codes, for programs), and -o saves the file a
// person downloads from the web app's equity page (ADR 0109: byte-order
// mark, ';', headers and groups in the user's language), fetched from
// that page's own route so there is one writer of it.
func guideEquity(ctx context.Context, c *clients, g gatewayv1connect.GuidesServiceClient, args []string, e env) error {
	fs := flag.NewFlagSet("guides equity", flag.ContinueOnError)
	munis := municipalitiesFlag(fs, "municipalities", e.t("flag.guideEquity.municipalities"))
	minGroup := fs.Int("min-group", 0, e.t("flag.guideEquity.min-group"))
	asCSV := fs.Bool("csv", false, e.t("flag.guideEquity.csv"))
	outPath := fs.String("o", "", e.t("flag.guideEquity.o"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	equity := func() (*connect.Response[gatewayv1.GetGuideEquityResponse], error) {
		return g.GetGuideEquity(ctx, connect.NewRequest(&gatewayv1.GetGuideEquityRequest{MunicipalityCodes: splitCSV(*munis),
			MinGroupSize: int32(*minGroup)}))
	}
	if *outPath != "" {
		q := url.Values{"lang": {e.words().lang}}
		if *munis != "" {
			q.Set("municipalities", strings.Join(splitCSV(*munis), ","))
		}
		if *minGroup != 0 {
			q.Set("min_group", strconv.Itoa(*minGroup))
		}
		// downloadCSV writes the file for its owner only: figures of
		// small groups.
		return downloadCSV(ctx, c, "/guides/equity.csv?"+q.Encode(), *outPath, e, func() error { _, err := equity(); return err })
	}
	res, err := equity()
	if err != nil {
		return err
	}
	if *asCSV {
		_, err := fmt.Fprint(e.Out, res.Msg.GetCsv())
		return err
	}
	for _, r := range res.Msg.GetRows() {
		note := ""
		if r.GetFlagged() {
			note = "  " + e.t("equity.flagged")
		}
		med := "-"
		if r.GetMedianDays() >= 0 {
			med = count(int64(r.GetMedianDays()+0.5), e.t("n.day"), e.t("n.days"))
		}
		fmt.Fprintf(e.Out, "%-15s %-14s %4d/%-4d %5s %%  %s %s%s\n", e.code("guides.dim.", r.GetDimension().String(), "EQUITY_DIMENSION_"),
			e.equityGroup(r.GetDimension().String(), r.GetGroup()), r.GetWithGuide(), r.GetEntitled(), e.decimal(100*r.GetShare(), 1), e.t("r.median"), med, note)
	}
	return nil
}

// reasons are a newcomer's eligibility reasons in mp's language, each
// "entitled: ..." or "not entitled: ..." as the guides service words it,
// in the web app's words (catalog.EligibilityReason).
func (e Env) reasons(rs []string) string {
	out := make([]string, len(rs))
	for i, s := range rs {
		out[i] = catalog.EligibilityReason(e.words().lang, s)
	}
	return strings.Join(out, "; ")
}

// equityGroup is a group of the equity report in words: a language or a
// municipality by its name (as the web's page, not "Kommun 0180"), other
// groups by the web's labels ("kvinna", "deltid").
func (e Env) equityGroup(dimension, group string) string {
	switch dimension {
	case "EQUITY_DIMENSION_LANGUAGE":
		return e.code("guides.lang.", group, "")
	case "EQUITY_DIMENSION_MUNICIPALITY":
		return muniName(group)
	}
	return e.code("guides.group.", group, "")
}
