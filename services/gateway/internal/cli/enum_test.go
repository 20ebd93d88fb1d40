package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"
)

// TestChoiceRefusalListsWhatHelpShows: an unknown value of a choice flag
// is refused with exactly the list -h shows for that flag, in the user's
// language (a new user read lower-case words in -h and NOT_ENROLLED, ...
// in the refusal), and neither shows an enum's capitals.
func TestChoiceRefusalListsWhatHelpShows(t *testing.T) {
	t.Parallel()
	type run func(args []string, e env) error
	ctx := context.Background()
	tests := []struct {
		name, flag, head string
		run              run
		bad              []string
	}{
		{"participants add", "establishment", "flag.establishment",
			func(a []string, e env) error { return addParticipant(ctx, nil, a, e) }, []string{"-given-name", "A", "-establishment", "halfway"}},
		{"participants add", "parental-leave", "flag.parental_leave",
			func(a []string, e env) error { return addParticipant(ctx, nil, a, e) }, []string{"-given-name", "A", "-parental-leave", "some"}},
		{"participants add", "swedish-level", "flag.swedish_level",
			func(a []string, e env) error { return addParticipant(ctx, nil, a, e) }, []string{"-given-name", "A", "-swedish-level", "SFI_X"}},
		{"guides reject", "reason", "flag.guideChange.reason",
			func(a []string, e env) error { return guideChange(ctx, nil, "reject", a, e) }, []string{"-reason", "bored", "ID"}},
		{"guides end", "reason", "flag.guideChange.reason",
			func(a []string, e env) error { return guideChange(ctx, nil, "end", a, e) }, []string{"-reason", "bored", "ID"}},
		{"guides accept", "party", "flag.guideChange.party",
			func(a []string, e env) error { return guideChange(ctx, nil, "accept", a, e) }, []string{"-party", "mentor", "ID"}},
		{"guides assignments", "status", "flag.guideAssignments.status",
			func(a []string, e env) error { return guideAssignments(ctx, nil, nil, a, e) }, []string{"-status", "proposed,lost"}},
		{"dinners seatings list", "status", "flag.seating_status",
			func(a []string, e env) error { return listSeatings(ctx, nil, nil, a, e, "") }, []string{"-status", "PROPOSED,LOST"}},
		{"dinners reject", "reason", "flag.reject_reason",
			func(a []string, e env) error { return changeSeating(ctx, nil, "reject", a, e) }, []string{"-reason", "bored", "ID"}},
		{"dinners offers add", "composition", "flag.addOffer.composition",
			func(a []string, e env) error { return addOffer(ctx, nil, a, e) }, []string{"-composition", "CROWD"}},
		{"dinners offers add", "diets", "flag.addOffer.diets",
			func(a []string, e env) error { return addOffer(ctx, nil, a, e) }, []string{"-diets", "halal,paleo"}},
		{"dinners signups add", "party", "flag.addSignUp.party",
			func(a []string, e env) error { return addSignUp(ctx, nil, a, e) }, []string{"-party", "SELF:30,COUSIN:8"}},
	}
	capitals := regexp.MustCompile(`\b[A-Z]{2,}_[A-Z_]+\b`)
	for _, tt := range tests {
		for _, lang := range []string{"sv", "en"} {
			t.Run(tt.name+" -"+tt.flag+" "+lang, func(t *testing.T) {
				t.Parallel()
				e := env{lang: lang}
				var help bytes.Buffer
				e.Out = &help
				if err := tt.run([]string{"-h"}, e); !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("-h: %v", err)
				}
				var usage string
				lines := strings.Split(help.String(), "\n")
				for i, l := range lines {
					if strings.HasPrefix(l, "  -"+tt.flag+" ") && i+1 < len(lines) {
						usage = strings.TrimSpace(lines[i+1])
					}
				}
				head := e.t(tt.head) + ": "
				_, list, ok := strings.Cut(usage, head)
				if !ok {
					t.Fatalf("-h shows -%s as %q, want it to start %q", tt.flag, usage, head)
				}
				// The default, if any, follows the list.
				if i := strings.Index(list, " "+strings.SplitN(e.t("usage.default"), "%", 2)[0]); i >= 0 {
					list = list[:i]
				}
				if m := capitals.FindString(list); m != "" {
					t.Errorf("-h lists %s: %q", m, list)
				}
				err := tt.run(tt.bad, env{lang: lang, Out: &bytes.Buffer{}})
				if err == nil || !strings.HasSuffix(err.Error(), " "+list) {
					t.Errorf("refusal %v\nwant it to end with what -h shows: %q", err, list)
				}
			})
		}
	}
}
