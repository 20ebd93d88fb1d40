package web

import (
	"slices"
	"strings"
	"testing"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
)

// TestUnseatedReasonsInWords: a dinners job's left-out parties are
// counted per reason in the page's language, in the rules' order; parties
// the full dinners left out read "the dinners that fit were already
// full", not "no dinner on any of their dates" (ADR 0165), and apart
// from those the seats of this job went to.
func TestUnseatedReasonsInWords(t *testing.T) {
	t.Parallel()
	us := func(rs ...dinnersv1.UnseatedReason) []*dinnersv1.UnseatedParty {
		var out []*dinnersv1.UnseatedParty
		for _, r := range rs {
			out = append(out, &dinnersv1.UnseatedParty{Reason: r})
		}
		return out
	}
	in := us(dinnersv1.UnseatedReason_UNSEATED_REASON_SEATS_TAKEN, dinnersv1.UnseatedReason_UNSEATED_REASON_DINNERS_FULL,
		dinnersv1.UnseatedReason_UNSEATED_REASON_DINNERS_FULL, dinnersv1.UnseatedReason_UNSEATED_REASON_NO_DATE)
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"sv", []string{"1 sällskap: ingen middag på någon av deras dagar",
			"2 sällskap: middagarna som passar var redan fulla (för få lediga platser för hela sällskapet)",
			"1 sällskap: platserna gick till andra sällskap i den här körningen"}},
		{"en", []string{"1 party: no dinner on any of their dates",
			"2 parties: the dinners that fit were already full (too few free seats for the whole party)",
			"1 party: the seats went to other parties in this job"}},
	} {
		if got := unseatedLines(&page{Lang: tt.lang}, in, nil); !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.lang, got, tt.want)
		}
	}
	// Every reason the service can give is shown, in words, in both
	// languages: a new code missing here would drop its parties from the
	// list without a word.
	for n, name := range dinnersv1.UnseatedReason_name {
		r := dinnersv1.UnseatedReason(n)
		if r == dinnersv1.UnseatedReason_UNSEATED_REASON_UNSPECIFIED {
			continue
		}
		for _, lang := range []string{"sv", "en"} {
			got := unseatedLines(&page{Lang: lang}, us(r), nil)
			if len(got) != 1 || !strings.HasPrefix(got[0], "1 ") || strings.Contains(got[0], "unseated") || strings.Contains(got[0], "_") {
				t.Errorf("%s in %s: %q, want one sentence in words", name, lang, got)
			}
		}
	}
}

// TestFullDinnersSayWhoHoldsTheSeats: the full dinners' line goes on with
// who holds their seats, open proposals (which a coordinator can reject)
// apart from invited or confirmed guests, in Swedish and English, one
// seat and one dinner in the singular; with no seat held (dinners with
// free seats too few for the party, or a result stored before the counts)
// the line is as it was (ADR 0171).
func TestFullDinnersSayWhoHoldsTheSeats(t *testing.T) {
	t.Parallel()
	full := []*dinnersv1.UnseatedParty{{Reason: dinnersv1.UnseatedReason_UNSEATED_REASON_DINNERS_FULL}, {Reason: dinnersv1.UnseatedReason_UNSEATED_REASON_DINNERS_FULL}}
	for _, tt := range []struct {
		lang string
		held *dinnersv1.FullDinners
		want string
	}{
		{"sv", &dinnersv1.FullDinners{Dinners: 2, SeatsHeldByProposals: 3, SeatsHeldByApproved: 5},
			"2 sällskap: middagarna som passar var redan fulla (för få lediga platser för hela sällskapet). " +
				"Platser som hålls vid de 2 middagarna som passar: 3 av förslag som inte är godkända än och 5 av inbjudna eller bekräftade gäster"},
		{"sv", &dinnersv1.FullDinners{Dinners: 1, SeatsHeldByProposals: 1},
			"2 sällskap: middagarna som passar var redan fulla (för få lediga platser för hela sällskapet). " +
				"Platser som hålls vid middagen som passar: 1 av ett förslag som inte är godkänt än"},
		{"sv", &dinnersv1.FullDinners{Dinners: 1, SeatsHeldByApproved: 1},
			"2 sällskap: middagarna som passar var redan fulla (för få lediga platser för hela sällskapet). " +
				"Platser som hålls vid middagen som passar: 1 av en inbjuden eller bekräftad gäst"},
		{"en", &dinnersv1.FullDinners{Dinners: 2, SeatsHeldByProposals: 3, SeatsHeldByApproved: 5},
			"2 parties: the dinners that fit were already full (too few free seats for the whole party). " +
				"Seats held at the 2 dinners that fit: 3 by proposals not yet approved and 5 by invited or confirmed guests"},
		{"sv", &dinnersv1.FullDinners{Dinners: 1},
			"2 sällskap: middagarna som passar var redan fulla (för få lediga platser för hela sällskapet)"},
		{"sv", nil, "2 sällskap: middagarna som passar var redan fulla (för få lediga platser för hela sällskapet)"},
	} {
		if got := unseatedLines(&page{Lang: tt.lang}, full, tt.held); len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s, %v:\n got %q\nwant %q", tt.lang, tt.held, got, tt.want)
		}
	}
}
