package cli

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"connectrpc.com/connect"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// fakeDinners is the gateway's dinners API with only the waitlist
// answered; any other call panics on the nil embedded client.
type fakeDinners struct {
	dinnersClient
	rows []*dinnersv1.WaitlistRow
}

var _ dinnersClient = (*fakeDinners)(nil)

func (f *fakeDinners) GetDinnerWaitlist(context.Context, *connect.Request[gatewayv1.GetDinnerWaitlistRequest]) (*connect.Response[gatewayv1.GetDinnerWaitlistResponse], error) {
	return connect.NewResponse(&gatewayv1.GetDinnerWaitlistResponse{Waitlist: &dinnersv1.GetWaitlistResponse{Rows: f.rows}}), nil
}

// TestWaitlistCountsAgree: a count of one is followed by the singular
// ("1 seat", never "1 seats", as testers read it), other counts by the
// plural.
func TestWaitlistCountsAgree(t *testing.T) {
	t.Parallel()
	d := &fakeDinners{rows: []*dinnersv1.WaitlistRow{
		{MunicipalityCode: "0180", Parties: 1, Guests: 1, MedianWaitDays: 1, MaxWaitDays: 1, FreeSeats: 1, SeatsNeeded: 1,
			NeedByDate: []*dinnersv1.DateNeed{{Date: "2026-12-10", Seats: 1}}},
		{MunicipalityCode: "0380", Parties: 2, Guests: 5, MedianWaitDays: 0, MaxWaitDays: 12, FreeSeats: 0, SeatsNeeded: 3,
			NeedByDate: []*dinnersv1.DateNeed{{Date: "2026-12-11", Seats: 3}}},
	}}
	for lang, wants := range map[string][]string{
		"en": {
			"Stockholm\t1 party (1 guest) waiting, median 1 day, longest 1 day\t1 free seat\t1 more host seat needed\n\t2026-12-10\t1 seat\n",
			"Uppsala\t2 parties (5 guests) waiting, median 0 days, longest 12 days\t0 free seats\t3 more host seats needed\n\t2026-12-11\t3 seats\n",
		},
		"sv": {
			"Stockholm\t1 sällskap (1 gäst) väntar, median 1 dag, längst 1 dag\t1 ledig plats\t1 värdplats till behövs\n\t2026-12-10\t1 plats\n",
			"Uppsala\t2 sällskap (5 gäster) väntar, median 0 dagar, längst 12 dagar\t0 lediga platser\t3 värdplatser till behövs\n\t2026-12-11\t3 platser\n",
		},
	} {
		var out bytes.Buffer
		if err := waitlist(context.Background(), d, nil, env{Out: &out, lang: lang}); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s: got\n%s\nwant it to contain\n%s", lang, got, want)
			}
		}
	}
}

// fixedPlural is a format string printing a number before a noun in a
// fixed form ("%d seats", "%d more host seats"): wrong for one.
var fixedPlural = regexp.MustCompile(`%d( [a-z-]+)*? [a-z-]+(s|ies)\b`)

// TestNoCountWithAFixedPlural: no format string of mp prints a count
// before a plural noun; counts go through count, which agrees with the
// number (the brief: fix every such count, not only the seats).
func TestNoCountWithAFixedPlural(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	for name, src := range sources(t) {
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && fixedPlural.MatchString(lit.Value) {
				t.Errorf("%s: %s prints a count with a fixed plural; use count", fset.Position(lit.Pos()), lit.Value)
			}
			return true
		})
	}
	if !fixedPlural.MatchString(`"%d seats"`) || !fixedPlural.MatchString(`"%d more host seats needed"`) || fixedPlural.MatchString(`"%d proposed, %d unseated"`) {
		t.Fatal("the pattern does not tell fixed plurals from other counts")
	}
}

// TestCount is count's table.
func TestCount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "0 seats"}, {1, "1 seat"}, {2, "2 seats"}, {-1, "-1 seats"}, {11, "11 seats"}} {
		if got := count(tt.n, "seat", "seats"); got != tt.want {
			t.Errorf("count(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// sources are mp's Go files without the tests, by name.
func sources(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		if out[name], err = os.ReadFile(name); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
