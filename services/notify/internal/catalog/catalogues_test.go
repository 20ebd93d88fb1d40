package catalog

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/motesplats/motesplats/pkg/testutil/catalogtest"
)

// messagesOf reads a catalogue file: each message's id and the sorted
// fields its text uses.
func messagesOf(t *testing.T, lang string) map[string][]string {
	t.Helper()
	return catalogtest.Fields(catalogtest.Read(t, files, "messages/"+lang+".toml", toml.Unmarshal))
}

// TestCataloguesMatchSwedish: every language has every message Swedish
// has, no other, and each message uses the same placeholders as the
// Swedish one (in any of its plural forms), so a translation can neither
// drop a value (the date of a dinner) nor show one minimum disclosure
// keeps out of it.
func TestCataloguesMatchSwedish(t *testing.T) {
	t.Parallel()
	sv := messagesOf(t, "sv")
	for _, l := range Languages[1:] {
		catalogtest.MatchSwedish(t, sv, l, messagesOf(t, l))
	}
}

// TestPartySizeIsAPlural: the party's size takes the language's CLDR
// plural form (Arabic's six, Ukrainian's four), and every form a language's
// rule can pick is in its catalogue. Where the text is sent as UCS-2
// anyway (Arabic script, Ethiopic, Cyrillic), a no-break space keeps the
// count with its noun; Latin texts keep a plain space, so that an SMS in
// Swedish, English or Somali stays in the GSM alphabet.
func TestPartySizeIsAPlural(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Languages {
		for n := 0; n <= 120; n++ {
			if _, err := c.Summary(l, DinnerGuestProposed, Data{Counterpart: "Erik", Date: "2026-12-10", PartySize: n}); err != nil {
				t.Fatalf("%s, party of %d: %v", l, n, err)
			}
		}
	}
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"sv", 1, "Erik, 1 person."}, {"sv", 3, "Erik, 3 personer."}, {"en", 1, "Erik, 1 person."}, {"en", 2, "Erik, 2 people."},
		{"ar", 1, "شخص واحد"}, {"ar", 2, "شخصان"}, {"ar", 3, "3\u00a0أشخاص"}, {"ar", 11, "11\u00a0شخصًا"}, {"ar", 100, "100\u00a0شخص."},
		{"uk", 1, "1\u00a0особа"}, {"uk", 3, "3\u00a0особи"}, {"uk", 5, "5\u00a0осіб"}, {"uk", 21, "21\u00a0особа"},
		{"ti", 1, "1\u00a0ሰብ"}, {"ti", 4, "4\u00a0ሰባት"}, {"so", 4, "4 qof"}, {"prs", 4, "4\u00a0نفر"},
	}
	for _, tt := range tests {
		got, err := c.Summary(tt.lang, DinnerGuestProposed, Data{Counterpart: "Erik", Date: "2026-12-10", PartySize: tt.n})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s, party of %d: %q, want %q in it", tt.lang, tt.n, got, tt.want)
		}
	}
}

// TestValuesAreIsolatedWhereDirectionsMix: a name is wrapped in U+2068
// ... U+2069 in a right-to-left message, and in a left-to-right one when
// it is written right to left; a Latin name in Swedish and a link never
// are.
func TestValuesAreIsolatedWhereDirectionsMix(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	d := Data{FirstName: "Amina", Counterpart: "Erik", Date: "2026-12-10", PartySize: 3, Link: "http://x/a/T"}
	fa, err := c.Render("fa", DinnerGuestProposed, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\u2068Erik\u2069، 3\u00a0نفر", "سلام \u2068Amina\u2069!", ": http://x/a/T"} {
		// The HTML part's link is an anchor (ADR 0137), not isolated either.
		html := strings.ReplaceAll(want, ": http://x/a/T", `: <a href="http://x/a/T" dir="ltr">http://x/a/T</a>`)
		if !strings.Contains(fa.Text, want) || !strings.Contains(fa.HTML, html) {
			t.Errorf("Persian message lacks %q:\n%s\n%s", want, fa.Text, fa.HTML)
		}
	}
	if strings.Contains(fa.Text, "\u2068http") {
		t.Errorf("a link was isolated:\n%s", fa.Text)
	}
	sv, err := c.Render("sv", DinnerGuestProposed, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(sv.Text+sv.HTML, "\u2068\u2069") {
		t.Errorf("a Latin name in Swedish was isolated:\n%s", sv.Text)
	}
	d.Counterpart = "محمد"
	sv, err = c.Render("sv", DinnerGuestProposed, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sv.Text, "\u2068محمد\u2069, 3 personer") {
		t.Errorf("an Arabic name in Swedish was not isolated:\n%s", sv.Text)
	}
}

// TestGreetingWithoutAName: a person without a first name on file is
// greeted without the space or comma that led to the name.
func TestGreetingWithoutAName(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"sv": "Hej!", "uk": "Вітаємо!", "ar": "مرحباً!", "so": "Salaan!"} {
		m, err := c.Render(lang, CheckIn, Data{Counterpart: "Erik"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.Text, want+"\n") && !strings.Contains(m.Text, "\n\n"+want+"\n") {
			t.Errorf("%s greeting without a name: %q, want %q", lang, m.Text, want)
		}
	}
}

// TestListsTakeTheLanguagesComma: a list of diets is joined with the
// language's comma ("،" in Arabic script, "፣" in Tigrinya), not always ", ".
func TestListsTakeTheLanguagesComma(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"sv": "halal, inga nötter", "ar": "حلال، بدون مكسرات", "fa": "حلال، بدون آجیل", "ti": "ሓላል፣ ለውዚ ዘይብሉ"} {
		got, err := c.Summary(lang, DinnerGuestProposed, Data{Counterpart: "Erik", Date: "2026-12-10", PartySize: 2, Diets: []int32{3, 8}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", lang, got, want)
		}
	}
}

// TestDariSpeaksDari: the Dari catalogue is loaded under fa-AF and says
// Sweden, dinner and address as Afghans do (سویدن, نان شب, آدرس), not as
// the Persian one does (سوئد, شام, نشانی).
func TestDariSpeaksDari(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	d := Data{Counterpart: "Erik", Date: "2026-12-10", Address: "Storgatan 1"}
	var all string
	for _, k := range []Kind{MenteeOffer, DinnerInvitation, DinnerConfirmed} {
		s, err := c.Summary("prs", k, d)
		if err != nil {
			t.Fatal(err)
		}
		all += s
	}
	for _, want := range []string{"سویدن", "نان شب", "آدرس"} {
		if !strings.Contains(all, want) {
			t.Errorf("Dari lacks %q: %s", want, all)
		}
	}
	for _, persian := range []string{"سوئد", "شام", "نشانی"} {
		if strings.Contains(all, persian) {
			t.Errorf("Dari says Persian %q: %s", persian, all)
		}
	}
}

// TestDatesStayWholeInHTML: the HTML part keeps a date on one line; the
// text part is left as it is.
func TestDatesStayWholeInHTML(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Render("uk", DinnerReminder, Data{FirstName: "Olena", Date: "2026-12-10", Time: "18:00"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `<span style="white-space:nowrap">2026-12-10</span>`) || strings.Contains(m.Text, "<span") {
		t.Errorf("the date is not kept whole in the HTML part only:\n%s\n%s", m.HTML, m.Text)
	}
}
