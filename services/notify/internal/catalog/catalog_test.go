package catalog

import (
	"strings"
	"testing"
)

func TestEveryLanguageRenders(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	kinds := []Kind{MentorOffer, MenteeOffer, DinnerInvitation, DinnerGuestProposed, DinnerConfirmed, GuideAssigned,
		RsvpReminder, DinnerReminder, CheckIn, Cancellation, PairEnded}
	d := Data{FirstName: "Amina", Counterpart: "Erik", Date: "2026-12-10", Time: "18:00", PartySize: 3,
		Diets: []int32{3}, Address: "Storgatan 1", Organisation: "Röda Korset", AnswerBy: "2026-12-08", Link: "http://x/a/TOKEN"}
	for _, l := range Languages {
		for _, k := range kinds {
			m, err := c.Render(l, k, d)
			if err != nil {
				t.Fatalf("%s %s: %v", l, k, err)
			}
			if m.Subject == "" || !strings.Contains(m.Text, "http://x/a/TOKEN") || strings.Contains(m.Text, "{{") {
				t.Errorf("%s %s: subject %q text %q", l, k, m.Subject, m.Text)
			}
		}
	}
}

func TestReviewedAndDirection(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang     string
		reviewed bool
		rtl      bool
	}{
		{"sv", true, false}, {"en", true, false}, {"ar", false, true}, {"fa", false, true}, {"prs", false, true},
		{"ti", false, false}, {"so", false, false}, {"uk", false, false},
	}
	for _, tt := range tests {
		if got := c.Reviewed(tt.lang); got != tt.reviewed {
			t.Errorf("Reviewed(%s) = %v, want %v", tt.lang, got, tt.reviewed)
		}
		if got := c.RTL(tt.lang); got != tt.rtl {
			t.Errorf("RTL(%s) = %v, want %v", tt.lang, got, tt.rtl)
		}
	}
	d := Data{FirstName: "Amina", Counterpart: "Erik", Link: "http://x/a/T"}
	ar, err := c.Render("ar", MentorOffer, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ar.HTML, `<html lang="ar" dir="rtl">`) || !strings.Contains(ar.HTML, `<div lang="sv" dir="ltr"`) {
		t.Errorf("Arabic HTML lacks rtl or the Swedish part:\n%s", ar.HTML)
	}
	if !strings.Contains(ar.Text, "Vi har hittat en mentor till dig: Erik") {
		t.Errorf("unreviewed Arabic is sent without the Swedish text:\n%s", ar.Text)
	}
	sv, _ := c.Render("sv", MentorOffer, d)
	if strings.Contains(sv.Text, "----") || sv.Language != "sv" {
		t.Errorf("reviewed Swedish carries a second language:\n%s", sv.Text)
	}
	if un, _ := c.Render("de", MentorOffer, d); un.Language != "sv" {
		t.Errorf("a language without a catalogue renders as %q, want sv", un.Language)
	}
}

func TestValuesAreEscapedAndOnOneLine(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Render("sv", DinnerGuestProposed, Data{FirstName: "A", Counterpart: "<script>x</script>\r\nBcc: evil", Date: "2026-12-10", PartySize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.Text, "\r\nBcc") {
		t.Errorf("a name was not escaped or kept on one line:\n%s\n%s", m.HTML, m.Text)
	}
}

// TestAnswerLinkPressable: the HTML part showed the answer link as bare
// text, which many mail apps on a phone do not turn into a link (outside
// round s26, ADR 0137). It is an anchor, left to right also in Arabic, in
// the person's language and in the Swedish copy below it.
func TestAnswerLinkPressable(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	d := Data{FirstName: "Amina", Counterpart: "Erik", AnswerBy: "2026-12-08 18:00", Link: "http://x/a/TOKEN"}
	for _, l := range []string{"sv", "ar"} {
		m, err := c.Render(l, MentorOffer, d)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if l != "sv" {
			want = 2 // and the Swedish copy
		}
		if n := strings.Count(m.HTML, `<a href="http://x/a/TOKEN" dir="ltr">http://x/a/TOKEN</a>`); n != want {
			t.Errorf("%s: %d answer links to press, want %d:\n%s", l, n, want, m.HTML)
		}
	}
}

// TestPairEndedReasons: a pair's end gives its reason, when it has one to
// give, in every language, and says nothing in its place otherwise.
func TestPairEndedReasons(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Languages {
		bare, err := c.Summary(l, PairEnded, Data{Date: "2026-03-14"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(bare, "2026-03-14") || strings.Contains(bare, "  ") {
			t.Errorf("%s without a reason: %q", l, bare)
		}
		for _, r := range []Reason{EndedCompleted, EndedLostContact} {
			got, err := c.Summary(l, PairEnded, Data{Date: "2026-03-14", Because: r})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) <= len(bare) || strings.Contains(got, "pair_ended") {
				t.Errorf("%s %s: %q adds no reason to %q", l, r, got, bare)
			}
		}
	}
}
