package catalog

import (
	"fmt"
	"regexp"
	"strings"
)

// The services' refusals (a change the record's state, a concurrent
// writer, a duplicate or the caller's role does not allow) are English
// sentences written by apperr.Errorf; a Swedish coordinator read "the
// mentor has no free slot" on a Swedish page. They sit beside the field
// violations in ViolationText, so the web app and mp find them by the
// same call, and TestEveryRefusalInSwedish holds the table to the
// services' source (ADR 0136).

var refusalText = map[string]map[string]string{
	"sv": {
		// Mentoring: capacity, the pool and proposals decided meanwhile.
		"the mentor has no free slot":                                  "mentorn har ingen ledig plats för fler par",
		"the newcomer has no free slot":                                "den nyanlända har redan ett par",
		"no free slot":                                                 "det finns ingen ledig plats",
		"the mentor is no longer in the mentoring pool":                "mentorn finns inte längre bland mentorerna som kan matchas",
		"the newcomer is no longer in the mentoring pool":              "den nyanlända finns inte längre bland dem som kan matchas",
		"the mentor or the newcomer left the mentoring pool meanwhile": "mentorn eller den nyanlända har under tiden lämnat dem som kan matchas; ladda om sidan",
		"the replacement is no longer among the alternatives":          "ersättaren finns inte längre bland alternativen; ladda om sidan",
		"these two have been proposed to each other before":            "de två har redan föreslagits för varandra",
		"the pair has 7 check-ins, the most kept":                      "paret har redan så många uppföljningar som sparas",
		"the offer has not expired":                                    "erbjudandet har inte gått ut",
		"the proposal does not take this answer now":                   "förslaget tar inte emot det här svaret nu",
		"the proposal changed meanwhile; decide again":                 "förslaget har ändrats under tiden; bestäm igen",

		// Guides.
		"the guide organisation has no free capacity in this municipality and language": "lotsorganisationen har ingen ledig plats i den här kommunen och på det här språket",
		"the assignment changed; try again":                                             "lotsningen har ändrats under tiden; försök igen",
		"the rules changed since you read them; read them again":                        "reglerna har ändrats sedan du läste dem; läs dem igen",

		// The dinners service's are the dinners catalogue's
		// "dinners.msg." keys (catalogueText).

		// People, organisations, consent and records.
		"the participant was changed by someone else; reload and try again":     "någon annan har ändrat den nyanlända; ladda om sidan och försök igen",
		"the volunteer was changed by someone else; reload and try again":       "någon annan har ändrat volontären; ladda om sidan och försök igen",
		"the organisation was changed by someone else; reload and try again":    "någon annan har ändrat organisationen; ladda om sidan och försök igen",
		"volunteers still act for this organisation; move or remove them first": "det finns volontärer kvar i organisationen; flytta eller ta bort dem först",
		"the organisation is being removed":                                     "organisationen håller på att tas bort",
		"the organisation could not be checked; try again":                      "det gick inte att kontrollera organisationen; försök igen",
		"the organisation could not be removed in time; try again":              "organisationen hann inte tas bort; försök igen",
		// One organisation per name (ADR 0258).
		"an organisation with that name exists":                   "det finns redan en organisation med det namnet",
		"the organisation's name could not be checked; try again": "det gick inte att kontrollera organisationens namn; försök igen",
		"no consent for that purpose is in force":                 "det finns inget gällande samtycke för det ändamålet",
		"already exists":                                   "finns redan",
		"the record is not removed":                        "uppgifterna är inte borttagna",
		"the record this request created has been removed": "det som begäran skapade har tagits bort",

		// The gateway's own: a service missing or slow.
		"a service is not answering; try again in a moment":                                 "en tjänst svarar inte; försök igen om en stund",
		"the request took too long; try again":                                              "det tog för lång tid; försök igen",
		"dead letters are not available on this server":                                     "felaktiga händelser går inte att se på den här servern",
		"dinners are not available: the dinners service is not configured":                  "middagar är inte tillgängliga på den här servern",
		"establishment guides are not available: the guides service is not configured":      "etableringslotsar är inte tillgängliga på den här servern",
		"matching is not available: the mentoring service is not configured":                "matchning är inte tillgänglig på den här servern",
		"messages are not set up on this server":                                            "meddelanden är inte inställda på den här servern",
		"the figures are being computed; reload the page in a moment":                       "siffrorna räknas fram; ladda om sidan om en stund",
		"the register is too large for one report; ask an admin to report per municipality": "registret är för stort för en rapport; be en administratör ta fram rapporten per kommun",

		// A change the record's status does not allow; the status, when
		// the service names it, follows in words (stateNow).
		"only a proposed pair can be approved":                   "bara ett föreslaget par kan godkännas",
		"only a proposed pair can be rejected":                   "bara ett föreslaget par kan avvisas",
		"only a proposed pair can have its candidate replaced":   "bara ett föreslaget par kan få en annan kandidat",
		"only an offered pair can be accepted":                   "bara ett erbjudet par kan tackas ja till",
		"only an offered pair can be declined":                   "bara ett erbjudet par kan tackas nej till",
		"only an open proposal can be withdrawn":                 "bara ett öppet förslag kan återkallas",
		"only an active pair can end":                            "bara ett aktivt par kan avslutas",
		"only an active pair has check-ins":                      "bara ett aktivt par har uppföljningar",
		"only an open or active proposal can change":             "bara ett öppet eller aktivt förslag kan ändras",
		"only a proposed assignment can be approved":             "bara en föreslagen lotsning kan godkännas",
		"only a proposed assignment can be rejected":             "bara en föreslagen lotsning kan avvisas",
		"only a proposed or approved assignment can be declined": "bara en föreslagen eller godkänd lotsning kan tackas nej till",
		"only an assigned assignment can become active":          "bara en tilldelad lotsning kan börja",
		"only an assigned or active assignment can end":          "bara en tilldelad eller pågående lotsning kan avslutas",
		// A dinners seating refused by the proposals' shared lifecycle,
		// whose words are a pair's (web's dinnerMsg; ADR 0178).
		"only a proposed seating can be approved": "bara en föreslagen placering kan godkännas",
		"only a proposed seating can be rejected": "bara en föreslagen placering kan avvisas",
		// The gateway's list whose names the participants or volunteers
		// service cannot give now (ADR 0182): not "removed".
		"names cannot be read right now; try again in a moment": "namnen går inte att läsa just nu; försök igen om en stund",
		// A user's erasure or demotion when NATS cannot say which admins
		// stay (ADR 0208).
		"the admins could not be counted; try again": "det gick inte att räkna administratörerna; försök igen",
		// A service token whose service the method does not list
		// (auth.MsgServiceNotAllowed, ADR 0210).
		"this service may not call this method": "den här tjänsten får inte anropa den här funktionen",
		// The first-run setup link another form took or used, and the
		// link's key unreadable (ADR 0214).
		"the setup link was used":                     "länken har redan använts",
		"the setup link is taken by another form":     "ett annat formulär har tagit länken",
		"the setup link could not be read; try again": "det gick inte att läsa inställningslänken; försök igen",
	},
}

// hasRefusals reports whether locale has its own words for the services'
// messages: the violations, their patterns, the refusals and the status a
// refusal names. English is the services' own language. Any other locale
// lacking one of the four would show those messages in English, so
// Complete does not offer it (ADR 0139): a coordinator who chose Arabic
// would read "the mentor has no free slot" inside a right-to-left page.
func hasRefusals(locale string) bool {
	if locale == "en" {
		return true
	}
	return violationText[locale] != nil && violationPatterns[locale] != nil && refusalText[locale] != nil && stateNow[locale] != ""
}

// stateNow is how a locale names the status a refusal found, after the
// refusal's own words.
var stateNow = map[string]string{"sv": " (status nu: %s)"}

// thisOneIs is a refusal that names the record's status: the pairs'
// ("active"), the assignments' ("ended") and the seatings' enum name
// ("SEATING_STATUS_HELD").
var thisOneIs = regexp.MustCompile(`^(.+); this one is ([A-Za-z_]+)$`)

// stateText is a status-naming refusal in locale with the status in
// words, never its code; false for any other message. A locale without
// a table reads the service's English with the status in English words.
func stateText(locale, msg string) (string, bool) {
	m := thisOneIs.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	head, code := m[1], m[2]
	if refusalText[locale][head] == "" {
		locale = "en"
	}
	word := statusWord(locale, head, code)
	if locale == "en" {
		return head + "; this one is " + word, true
	}
	return refusalText[locale][head] + fmt.Sprintf(stateNow[locale], word), true
}

// statusWord is a status in locale's words, from the catalogue's labels
// of the record's statuses (the status lists and filters print the same
// words), else the code made readable.
func statusWord(locale, head, code string) string {
	prefix := "status."
	switch {
	case strings.HasPrefix(code, "SEATING_STATUS_") || strings.Contains(head, "seating") || strings.Contains(head, "dinner"):
		prefix = "dinners.status."
	case strings.Contains(head, "assignment"):
		prefix = "guides.status."
	}
	tail := strings.ToLower(code)
	for _, p := range []string{"seating_status_", "pair_status_", "assignment_status_"} {
		tail = strings.TrimPrefix(tail, p)
	}
	if Has(locale, prefix+tail) {
		return Text(locale, prefix+tail)
	}
	return strings.ReplaceAll(tail, "_", " ")
}

// The dinners catalogue words the dinners service's messages by their
// English text, "dinners.msg.<message>", and by their shape, the message
// with each number written "#" and a seating's status "{status}" ("must
// have # to # people (the largest table)"), whose text takes the numbers
// as {{.N1}}, {{.N2}}, ... and the status in words as {{.Status}}. The web
// app read them on the dinners pages only and mp in a copy of that code;
// here every page and mp read them by the one call (ADR 0136).
var (
	seatingStatusRe = regexp.MustCompile(`SEATING_STATUS_[A-Z_]+`)
	numberRe        = regexp.MustCompile(`-?[0-9]+`)
)

// catalogueText is msg in locale from the catalogue's "dinners.msg."
// keys, exact or by shape; false when neither has it.
func catalogueText(locale, msg string) (string, bool) {
	if key := "dinners.msg." + msg; Has(locale, key) {
		return Text(locale, key), true
	}
	data := map[string]any{}
	shape := seatingStatusRe.ReplaceAllStringFunc(msg, func(st string) string {
		data["Status"] = statusWord(locale, "seating", st)
		return "{status}"
	})
	n := 0
	shape = numberRe.ReplaceAllStringFunc(shape, func(num string) string {
		n++
		data[fmt.Sprintf("N%d", n)] = num
		return "#"
	})
	if key := "dinners.msg." + shape; shape != msg && Has(locale, key) {
		return Data(locale, key, data, nil), true
	}
	return "", false
}
