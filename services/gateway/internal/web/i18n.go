package web

import (
	"net/http"
	"slices"
	"strings"
)

// messages holds the web app's text per locale. English is the fallback
// for any key a locale lacks, so a new language can start small (Arabic
// below has the frame only) and grow key by key.
var messages = map[string]map[string]string{
	"en": {
		"app":              "Mötesplats",
		"skip":             "Skip to content",
		"nav.dashboard":    "Overview",
		"nav.newcomers":    "Newcomers",
		"nav.volunteers":   "Volunteers",
		"nav.matching":     "Matching",
		"nav.reports":      "Reports",
		"nav.users":        "Users",
		"nav.audit":        "Audit log",
		"signout":          "Sign out",
		"signin":           "Sign in",
		"signin.title":     "Sign in to Mötesplats",
		"email":            "E-mail",
		"password":         "Password",
		"language":         "Language",
		"save":             "Save",
		"register":         "Register",
		"search":           "Search",
		"next":             "Next page",
		"errors.title":     "Please correct the following:",
		"dash.title":       "Overview",
		"dash.newcomers":   "Newcomers registered",
		"dash.volunteers":  "Volunteers registered",
		"dash.waiting":     "Newcomers waiting for a mentor",
		"dash.proposals":   "Proposals to review",
		"dash.nocheckin":   "Pairs without a recent check-in",
		"dash.recent":      "Recently registered",
		"p.title":          "Newcomers",
		"p.new":            "Register a newcomer",
		"p.edit":           "Edit newcomer",
		"v.title":          "Volunteers",
		"v.new":            "Register a volunteer",
		"v.edit":           "Edit volunteer",
		"f.given_name":     "Given name",
		"f.family_name":    "Family name",
		"f.municipality":   "Municipality code",
		"f.muni.hint":      "Four digits, for example 0180 for Stockholm",
		"f.organisation":   "Organisation",
		"f.phone":          "Phone",
		"f.phone.hint":     "International form, for example +46701234567",
		"f.languages":      "Languages spoken",
		"f.languages.hint": "ISO codes separated by commas, for example ar, ti, en",
		"f.swedish":        "Swedish level",
		"f.household":      "People in the household",
		"f.interests":      "Interests",
		"f.interests.hint": "Lower-case words separated by commas, for example cooking, football",
		"f.gender":         "Gender",
		"f.same_gender":    "Wants a mentor of the same gender",
		"f.consent":        "Has consented to being matched with a mentor",
		"f.mentor":         "Can be a mentor",
		"f.capacity":       "Number of newcomers as mentor",
		"f.bgcheck":        "Background check seen",
		"f.birth_year":     "Birth year",
		"g.unspecified":    "Not given",
		"g.woman":          "Woman",
		"g.man":            "Man",
		"g.other":          "Other",
		"saved":            "Saved.",
		"created":          "Registered.",
		"m.title":          "Matching",
		"m.start":          "Start a matching job",
		"m.progress":       "Progress",
		"m.proposals":      "Proposals to review",
		"m.newcomer":       "Newcomer",
		"m.mentor":         "Mentor",
		"m.score":          "Score",
		"m.why":            "Why this pair",
		"m.approve":        "Approve",
		"m.reject":         "Reject",
		"m.approved":       "Approved and offered to both.",
		"m.rejected":       "Rejected.",
		"m.none":           "No proposals are waiting.",
		"m.pending":        "Matching is not available: the mentoring service is not configured.",
		"m.jobs":           "Recent jobs",
		"m.pairs":          "Pairs",
		"m.status":         "Status",
		"r.title":          "Reports",
		"r.export":         "Export as CSV",
		"r.by_muni":        "Newcomers by municipality",
		"r.by_level":       "Newcomers by Swedish level",
		"r.by_gender":      "Newcomers by gender",
		"r.pairs":          "Mentoring pairs by month",
		"u.title":          "Users",
		"u.new":            "Add a user",
		"u.role":           "Role",
		"u.disable":        "Disable",
		"u.enable":         "Enable",
		"u.disabled":       "Disabled",
		"u.munis":          "Municipality codes",
		"u.munis.hint":     "Separated by commas",
		"u.name":           "Name",
		"a.title":          "Audit log",
		"a.user":           "User id",
		"a.from":           "From",
		"a.to":             "To",
		"a.when":           "When",
		"a.action":         "Action",
		"a.record":         "Record",
		"a.where":          "From address",
		"a.outcome":        "Outcome",
		"setup.title":      "Create the first admin",
		"err.title":        "Something went wrong",
		"err.notfound":     "The page or record was not found.",
		"err.generic":      "The request could not be completed. Try again in a moment.",
		"back":             "Back to the overview",
		"operator.note":    "Your role (operator) does not show personal data.",
	},
	"sv": {
		"skip":             "Hoppa till innehållet",
		"nav.dashboard":    "Översikt",
		"nav.newcomers":    "Nyanlända",
		"nav.volunteers":   "Volontärer",
		"nav.matching":     "Matchning",
		"nav.reports":      "Rapporter",
		"nav.users":        "Användare",
		"nav.audit":        "Granskningslogg",
		"signout":          "Logga ut",
		"signin":           "Logga in",
		"signin.title":     "Logga in i Mötesplats",
		"email":            "E-post",
		"password":         "Lösenord",
		"language":         "Språk",
		"save":             "Spara",
		"register":         "Registrera",
		"search":           "Sök",
		"next":             "Nästa sida",
		"errors.title":     "Rätta följande:",
		"dash.title":       "Översikt",
		"dash.newcomers":   "Registrerade nyanlända",
		"dash.volunteers":  "Registrerade volontärer",
		"dash.waiting":     "Nyanlända som väntar på mentor",
		"dash.proposals":   "Förslag att granska",
		"dash.nocheckin":   "Par utan uppföljning på länge",
		"dash.recent":      "Senast registrerade",
		"p.title":          "Nyanlända",
		"p.new":            "Registrera nyanländ",
		"p.edit":           "Ändra nyanländ",
		"v.title":          "Volontärer",
		"v.new":            "Registrera volontär",
		"v.edit":           "Ändra volontär",
		"f.given_name":     "Förnamn",
		"f.family_name":    "Efternamn",
		"f.municipality":   "Kommunkod",
		"f.muni.hint":      "Fyra siffror, till exempel 0180 för Stockholm",
		"f.organisation":   "Organisation",
		"f.phone":          "Telefon",
		"f.phone.hint":     "Internationell form, till exempel +46701234567",
		"f.languages":      "Talade språk",
		"f.languages.hint": "ISO-koder åtskilda med komma, till exempel ar, ti, en",
		"f.swedish":        "Svenskanivå",
		"f.household":      "Personer i hushållet",
		"f.interests":      "Intressen",
		"f.interests.hint": "Små bokstäver, åtskilda med komma, till exempel cooking, football",
		"f.gender":         "Kön",
		"f.same_gender":    "Önskar mentor av samma kön",
		"f.consent":        "Har samtyckt till att matchas med en mentor",
		"f.mentor":         "Kan vara mentor",
		"f.capacity":       "Antal nyanlända som mentor",
		"f.bgcheck":        "Belastningsregister uppvisat",
		"f.birth_year":     "Födelseår",
		"g.unspecified":    "Ej angivet",
		"g.woman":          "Kvinna",
		"g.man":            "Man",
		"g.other":          "Annat",
		"saved":            "Sparat.",
		"created":          "Registrerad.",
		"m.title":          "Matchning",
		"m.start":          "Starta en matchning",
		"m.progress":       "Förlopp",
		"m.proposals":      "Förslag att granska",
		"m.newcomer":       "Nyanländ",
		"m.mentor":         "Mentor",
		"m.score":          "Poäng",
		"m.why":            "Varför detta par",
		"m.approve":        "Godkänn",
		"m.reject":         "Avslå",
		"m.approved":       "Godkänt och erbjudet båda.",
		"m.rejected":       "Avslaget.",
		"m.none":           "Inga förslag väntar.",
		"m.pending":        "Matchning är inte tillgänglig: mentorstjänsten är inte konfigurerad.",
		"m.jobs":           "Senaste körningar",
		"m.pairs":          "Par",
		"m.status":         "Status",
		"r.title":          "Rapporter",
		"r.export":         "Exportera som CSV",
		"r.by_muni":        "Nyanlända per kommun",
		"r.by_level":       "Nyanlända per svenskanivå",
		"r.by_gender":      "Nyanlända per kön",
		"r.pairs":          "Mentorspar per månad",
		"u.title":          "Användare",
		"u.new":            "Lägg till användare",
		"u.role":           "Roll",
		"u.disable":        "Spärra",
		"u.enable":         "Återaktivera",
		"u.disabled":       "Spärrad",
		"u.munis":          "Kommunkoder",
		"u.munis.hint":     "Åtskilda med komma",
		"u.name":           "Namn",
		"a.title":          "Granskningslogg",
		"a.user":           "Användar-id",
		"a.from":           "Från",
		"a.to":             "Till",
		"a.when":           "När",
		"a.action":         "Åtgärd",
		"a.record":         "Post",
		"a.where":          "Från adress",
		"a.outcome":        "Utfall",
		"setup.title":      "Skapa den första administratören",
		"err.title":        "Något gick fel",
		"err.notfound":     "Sidan eller posten hittades inte.",
		"err.generic":      "Begäran kunde inte genomföras. Försök igen om en stund.",
		"back":             "Tillbaka till översikten",
		"operator.note":    "Din roll (drift) visar inga personuppgifter.",
	},
	"ar": {
		"skip":          "انتقل إلى المحتوى",
		"nav.dashboard": "نظرة عامة",
		"signout":       "تسجيل الخروج",
		"signin":        "تسجيل الدخول",
		"language":      "اللغة",
	},
}

// localeNames are shown in the language picker, each in its own language.
var localeNames = map[string]string{"sv": "Svenska", "en": "English", "ar": "العربية"}

// rtl lists the right-to-left locales.
var rtl = []string{"ar"}

// translate returns key's text in locale, English, or the key itself.
func translate(locale, key string) string {
	if s, ok := messages[locale][key]; ok {
		return s
	}
	if s, ok := messages["en"][key]; ok {
		return s
	}
	return key
}

func dir(locale string) string {
	if slices.Contains(rtl, locale) {
		return "rtl"
	}
	return "ltr"
}

// guessLocale picks a locale for a visitor who is not signed in: the
// language cookie, then Accept-Language, then Swedish.
func guessLocale(r *http.Request) string {
	if c, err := r.Cookie("mp_lang"); err == nil {
		if _, ok := messages[c.Value]; ok {
			return c.Value
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if _, ok := messages[base]; ok {
			return base
		}
	}
	return "sv"
}
