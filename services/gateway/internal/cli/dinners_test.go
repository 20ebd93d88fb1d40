package cli

import (
	"bytes"
	"context"
	"errors"
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
		}, "POOR_FIT, CONFLICT_OF_INTEREST"},
		{"rsvp party", func() error {
			return changeSeating(context.Background(), nil, "rsvp", []string{"-party", "NEIGHBOUR", "id"}, env{Out: &bytes.Buffer{}})
		}, "GUEST, HOST"},
		{"decline reason", func() error {
			return changeSeating(context.Background(), nil, "rsvp", []string{"-party", "guest", "-decline", "RAIN", "id"}, env{Out: &bytes.Buffer{}})
		}, "DATE, DISTANCE, ILLNESS"},
		{"attendance", func() error {
			return changeSeating(context.Background(), nil, "attendance", []string{"id", "CAME,LATE"}, env{Out: &bytes.Buffer{}})
		}, "CAME, NO_SHOW, CANCELLED_LATE"},
		{"offer diets", func() error {
			return addOffer(context.Background(), nil, []string{"-diets", "HALAL,PALEO"}, env{Out: &bytes.Buffer{}})
		}, "VEGETARIAN, VEGAN, HALAL"},
		{"offer composition", func() error {
			return addOffer(context.Background(), nil, []string{"-composition", "CROWD"}, env{Out: &bytes.Buffer{}})
		}, "ALL_FEMALE, ALL_MALE"},
		{"sign-up party", func() error {
			return addSignUp(context.Background(), nil, []string{"-party", "SELF:30,COUSIN:9"}, env{Out: &bytes.Buffer{}})
		}, "SELF, PARTNER, CHILD"},
		{"sign-up allergens", func() error {
			return addSignUp(context.Background(), nil, []string{"-allergens", "POLLEN"}, env{Out: &bytes.Buffer{}})
		}, "NUTS, PEANUTS"},
		{"seating status", func() error {
			return listSeatings(context.Background(), nil, []string{"-status", "PROPOSED,MAYBE"}, env{Out: &bytes.Buffer{}}, "")
		}, "PROPOSED, INVITED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "UNSPECIFIED") {
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
