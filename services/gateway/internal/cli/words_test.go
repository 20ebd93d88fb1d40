package cli

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"connectrpc.com/connect"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// usedKey finds the message keys the sources look up whole: e.t("key"),
// e.f("key", ...) and e.d("key", ...).
var usedKey = regexp.MustCompile(`e\.(t|f|d)\("([a-z_.A-Z-]+[a-z_A-Z-])"`)

// TestEveryWordInBothLanguages: every key mp looks up has a text in
// Swedish and in English (its own file or the gateway's catalogue), and
// mp's two files hold the same keys. A key without text would print as the
// key.
func TestEveryWordInBothLanguages(t *testing.T) {
	t.Parallel()
	sv, en := wordsIn("sv"), wordsIn("en")
	if len(sv.own) < 100 || len(en.own) < 100 {
		t.Fatalf("mp's own catalogues hold %d and %d messages: a file did not load", len(sv.own), len(en.own))
	}
	for _, pair := range [][2]*words{{sv, en}, {en, sv}} {
		for k := range pair[0].own {
			if _, ok := pair[1].own[k]; !ok {
				t.Errorf("%s is in cli.%s.toml but not in cli.%s.toml", k, pair[0].lang, pair[1].lang)
			}
		}
	}
	for name, src := range sources(t) {
		for _, m := range usedKey.FindAllStringSubmatch(string(src), -1) {
			for _, lang := range []string{"sv", "en"} {
				if m[1] == "d" {
					// A catalogue message with placeholders.
					if !catalog.Has(lang, m[2]) {
						t.Errorf("%s: %q is not in the catalogue", name, m[2])
					}
				} else if got := (Env{lang: lang}).t(m[2]); got == m[2] {
					t.Errorf("%s: %q has no text in %s", name, m[2], lang)
				}
			}
		}
	}
}

// TestLanguageChoice: Swedish unless MP_LANG or the saved web app
// language says English; a language mp has no text in (Arabic) is
// Swedish, the coordinators' working language.
func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ env, saved, want string }{
		{"", "", "sv"}, {"", "en", "en"}, {"en", "sv", "en"}, {"sv", "en", "sv"}, {"EN", "", "en"}, {"", "ar", "sv"}, {"de", "en", "en"},
	} {
		if got := langOf(tt.env, tt.saved); got != tt.want {
			t.Errorf("langOf(%q, %q) = %q, want %q", tt.env, tt.saved, got, tt.want)
		}
	}
}

// TestEnumsInWords: what mp prints for an enum is the web app's word,
// never the code, in either language.
func TestEnumsInWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lang, prefix, name, enumPrefix, want string
	}{
		{"sv", "state.", "JOB_STATE_RUNNING", "JOB_STATE_", "pågår"},
		{"sv", "phase.", "snapshot", "", "läser registren"},
		{"en", "phase.", "snapshot", "", "reading the registers"},
		{"sv", "status.", "PAIR_STATUS_OFFERED", "PAIR_STATUS_", "erbjuden"},
		{"sv", "dinners.status.", "SEATING_STATUS_INVITED", "SEATING_STATUS_", "inbjuden"},
		{"sv", "guides.status.", "ASSIGNMENT_STATUS_ACTIVE", "ASSIGNMENT_STATUS_", "pågår"},
		{"sv", "role.", "ROLE_COORDINATOR", "ROLE_", "samordnare"},
		{"sv", "role.volunteer.", "VOLUNTEER_ROLE_DINNER_HOST", "VOLUNTEER_ROLE_", "middagsvärd"},
		{"sv", "nothing.", "UNSEATED_REASON_NEW_THING", "UNSEATED_REASON_", "new thing"},
		{"sv", "unseated.", "UNSEATED_REASON_NO_HOST_IN_REACH", "UNSEATED_REASON_", "ingen värd inom räckhåll (område, språk eller hushåll)"},
		{"sv", "unseated.", "UNSEATED_REASON_DINNERS_FULL", "UNSEATED_REASON_", "middagarna som passar var redan fulla (för få lediga platser för hela sällskapet)"},
		{"en", "unseated.", "UNSEATED_REASON_DINNERS_FULL", "UNSEATED_REASON_", "the dinners that fit were already full (too few free seats for the whole party)"},
		{"sv", "unseated.", "UNSEATED_REASON_SEATS_TAKEN", "UNSEATED_REASON_", "platserna gick till andra sällskap i den här körningen"},
	} {
		if got := (Env{lang: tt.lang}).code(tt.prefix, tt.name, tt.enumPrefix); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.lang, tt.name, got, tt.want)
		}
	}
	e := Env{lang: "sv"}
	if got := e.rule("family") + ", " + e.rule("age_band") + ", " + e.rule("language"); got != "båda har familj, i samma åldersgrupp, gemensamt språk" {
		t.Errorf("score rules in Swedish: %q", got)
	}
	if got := e.reasons([]string{"not entitled: no residence permit recorded", "entitled: no rule excludes"}); got != "har inte rätt: inget uppehållstillstånd registrerat; har rätt: ingen regel utesluter" {
		t.Errorf("reasons in Swedish: %q", got)
	}
	// Reasons with figures, in the catalogue's sentence for each.
	if got := e.reasons([]string{"not entitled: permit older than 24 months", "entitled: inside the 24-month establishment period until 2027-01-31"}); got != "har inte rätt: uppehållstillståndet är äldre än 24 månader; har rätt: inom etableringstiden på 24 månader, till och med 2027-01-31" {
		t.Errorf("reasons with figures in Swedish: %q", got)
	}
}

// TestSwedishSaysLots: mp's own Swedish sentences call the guides
// programme what DOMAIN.md and the web app call it, etableringslots
// ("en lots", "lotsorganisation"), never "guide"; only command and flag
// names ("mp guides", -consent-guides) keep the English word.
func TestSwedishSaysLots(t *testing.T) {
	t.Parallel()
	command := regexp.MustCompile(`(mp guides|-consent-guides|\|guides|guides \(|"mp guides")`)
	guide := regexp.MustCompile(`(?i)guid`)
	for k, s := range wordsIn("sv").own {
		if guide.MatchString(command.ReplaceAllString(s, "")) {
			t.Errorf("%s = %q: says guide, the domain's word is lots", k, s)
		}
	}
}

// TestDinnerJobGapInPlainWords: mp dinners jobs start -follow ended with
// "avstånd till bevisad gräns: 0,00 %" ("gap to the proven bound"), the
// engine's words, which the web app's job line gave up in ADR 0154. mp
// says what the web app says: how far the points may at most lie below the
// best possible seating (outside round s29).
func TestDinnerJobGapInPlainWords(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{
		"sv": "föreslagna placeringar: 32, sällskap utan plats: 22; poängen är högst 3,52 % under den bästa möjliga placeringen",
		"en": "seatings proposed: 32, parties unseated: 22; the points are at most 3.52 % below the best possible seating",
	} {
		e := Env{lang: lang}
		if got := e.f("dinners.job.result", 32, 22, e.decimal(3.52, 2)); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// TestGuidesJobResultInTheWebsWords: mp guides jobs start -follow ended
// "förslag: 28, utan lots: 110" where the web app's job line says "28
// förslag, 110 utan plats": two wordings of one count (ADR 0160 Left). mp
// says "utan plats" too, and never "utan lots".
func TestGuidesJobResultInTheWebsWords(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{
		"sv": "förslag: 28, utan plats: 110",
		"en": "proposals: 28, unassigned: 110",
	} {
		e := Env{lang: lang}
		if got := e.f("guides.job.result", 28, 110); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// TestEveryUnseatedReasonInWords: mp dinners unseated prints every reason
// the service can give in words of its own in both languages, never the
// code made lower case ("dinners full" would say less than the web app's
// sentence; ADR 0165).
func TestEveryUnseatedReasonInWords(t *testing.T) {
	t.Parallel()
	for n, name := range dinnersv1.UnseatedReason_name {
		if n == 0 {
			continue
		}
		for _, lang := range []string{"sv", "en"} {
			key := "unseated." + strings.ToLower(strings.TrimPrefix(name, "UNSEATED_REASON_"))
			if got := (Env{lang: lang}).t(key); got == key {
				t.Errorf("%s has no words in %s (%s)", name, lang, key)
			}
		}
	}
}

// TestDinnerJobOptimumInTheWebsWords: mp dinners jobs start -follow ended
// "poängen är högst 0,00 % under den bästa möjliga placeringen" for a
// proven optimum, where a mentoring job says "Bästa möjliga" (outside
// round s32). It says "bästa möjliga" with the points; a gap keeps its
// figure.
func TestDinnerJobOptimumInTheWebsWords(t *testing.T) {
	t.Parallel()
	counts := &dinnersv1.JobCounts{Proposals: 32, Unseated: 22}
	for _, tt := range []struct {
		lang string
		gap  int64
		want string
	}{
		{"sv", 0, "föreslagna placeringar: 32, sällskap utan plats: 22; bästa möjliga (1388 poäng)"},
		{"en", 0, "seatings proposed: 32, parties unseated: 22; best possible (1388 points)"},
		{"sv", 35200, "föreslagna placeringar: 32, sällskap utan plats: 22; poängen är högst 3,52 % under den bästa möjliga placeringen"},
	} {
		e := Env{lang: tt.lang}
		j := &dinnersv1.Job{Counts: counts, Objective: 1388, Bound: 1388 + tt.gap/1000, GapPpm: tt.gap}
		if got := e.dinnerJobResult(j); got != tt.want {
			t.Errorf("%s, gap %d: %q, want %q", tt.lang, tt.gap, got, tt.want)
		}
	}
}

// TestSeatingRefusalInASeatingsWords: mp dinners approve on a seating
// already approved printed "bara ett föreslaget par kan godkännas (status
// nu: erbjuden)", a mentoring pair's words, where the web app says the
// seating's (ADR 0178 item 5). mp says the same as the web app now.
func TestSeatingRefusalInASeatingsWords(t *testing.T) {
	t.Parallel()
	refusal := connect.NewError(connect.CodeFailedPrecondition, errors.New("only a proposed pair can be approved; this one is offered"))
	for lang, want := range map[string]string{
		"sv": "bara en föreslagen placering kan godkännas (status nu: inbjuden)",
		"en": "only a proposed seating can be approved",
	} {
		err := explain(Env{lang: lang}, seatingErr(refusal))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "par") && lang == "sv" {
			t.Errorf("%s: %v, want %q", lang, err, want)
		}
	}
}
