package cli

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestDinnersEnumsRefused: every enum flag of mp dinners refuses an
// unknown value with a message naming the valid ones, before anything is
// sent (the client is nil: a call would panic).
func TestDinnersEnumsRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		run  func() error
		want string
	}{
		{"reject reason", func() error {
			return changeSeating(context.Background(), nil, "reject", []string{"-reason", "BORED", "id"}, env{Out: &bytes.Buffer{}})
		}, "poor_fit (passar inte ihop), conflict_of_interest"},
		{"rsvp party", func() error {
			return changeSeating(context.Background(), nil, "rsvp", []string{"-party", "NEIGHBOUR", "id"}, env{Out: &bytes.Buffer{}})
		}, "guest (gäst) eller host (värd)"},
		{"decline reason", func() error {
			return changeSeating(context.Background(), nil, "rsvp", []string{"-party", "guest", "-decline", "RAIN", "id"}, env{Out: &bytes.Buffer{}})
		}, "date (datumet passar inte), distance"},
		{"attendance", func() error {
			return changeSeating(context.Background(), nil, "attendance", []string{"id", "CAME,LATE"}, env{Out: &bytes.Buffer{}})
		}, "came (kom), no_show (uteblev) eller cancelled_late"},
		{"offer diets", func() error {
			return addOffer(context.Background(), nil, []string{"-diets", "HALAL,PALEO"}, env{Out: &bytes.Buffer{}})
		}, "vegetarian (vegetariskt), vegan (veganskt), halal"},
		{"offer composition", func() error {
			return addOffer(context.Background(), nil, []string{"-composition", "CROWD"}, env{Out: &bytes.Buffer{}})
		}, "all_female (bara kvinnor), all_male"},
		{"sign-up party", func() error {
			return addSignUp(context.Background(), nil, []string{"-party", "SELF:30,COUSIN:9"}, env{Out: &bytes.Buffer{}})
		}, "self (den nyanlända), partner, child"},
		{"sign-up allergens", func() error {
			return addSignUp(context.Background(), nil, []string{"-allergens", "POLLEN"}, env{Out: &bytes.Buffer{}})
		}, "nuts (nötter), peanuts"},
		{"seating status", func() error {
			return listSeatings(context.Background(), nil, nil, []string{"-status", "PROPOSED,MAYBE"}, env{Out: &bytes.Buffer{}}, "")
		}, "proposed (föreslagen), invited"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(strings.ToLower(err.Error()), "unspecified") {
				t.Fatalf("got %v, want the valid values %q", err, tt.want)
			}
		})
	}
}

// TestPagesStopsLoudly: a page token that does not move on is an error,
// never a silent stop with part of the list; every page is read.
func TestPagesStopsLoudly(t *testing.T) {
	t.Parallel()
	var seen []string
	err := pages(func(token string) (string, error) {
		seen = append(seen, token)
		if token == "" {
			return "p2", nil
		}
		return "p2", nil
	})
	if err == nil || !strings.Contains(err.Error(), "incomplete") || strings.Join(seen, ",") != ",p2" {
		t.Fatalf("stuck token: %v after %q", err, seen)
	}
	seen = nil
	err = pages(func(token string) (string, error) {
		seen = append(seen, token)
		return map[string]string{"": "a", "a": "b", "b": ""}[token], nil
	})
	if err != nil || strings.Join(seen, ",") != ",a,b" {
		t.Fatalf("three pages: %v %q", err, seen)
	}
	boom := errors.New("boom")
	if err := pages(func(string) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("error: %v", err)
	}
}

// TestSeatingCommandsHaveOnlyTheirFlags: each of mp dinners approve,
// reject, rsvp, cancel, attendance and feedback lists only its own flags
// in -h and refuses another's as unknown, before anything is sent (the
// client is nil): "approve -rating 5 -decline date -party host ID"
// succeeded and ignored all three.
func TestSeatingCommandsHaveOnlyTheirFlags(t *testing.T) {
	t.Parallel()
	all := []string{"reason", "party", "decline", "rating", "meet-again", "practised", "first-time"}
	own := map[string][]string{
		"approve": nil, "cancel": nil, "attendance": nil,
		"reject":   {"reason"},
		"rsvp":     {"party", "decline"},
		"feedback": {"party", "rating", "meet-again", "practised", "first-time"},
	}
	for what, flags := range own {
		var out bytes.Buffer
		if err := changeSeating(context.Background(), nil, what, []string{"-h"}, env{Out: &out}); err == nil {
			t.Errorf("dinners %s -h: no flag.ErrHelp", what)
		}
		for _, f := range all {
			listed := strings.Contains(out.String(), "  -"+f+" ") || strings.Contains(out.String(), "  -"+f+"\n")
			if mine := slices.Contains(flags, f); listed != mine {
				t.Errorf("dinners %s -h lists -%s: %v, want %v\n%s", what, f, listed, mine, out.String())
			}
			if slices.Contains(flags, f) {
				continue
			}
			err := changeSeating(context.Background(), nil, what, []string{"-" + f, "5", "id"}, env{Out: &bytes.Buffer{}})
			if err == nil || !strings.Contains(err.Error(), "-"+f) {
				t.Errorf("dinners %s -%s 5 id: %v, want -%s refused", what, f, err, f)
			}
		}
	}
}
