package web

import (
	"net/url"
	"strings"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// The participant form's consent boxes link to the text each stands for,
// in the newcomer's language, and the participant page lists what each
// recorded consent agreed to (ADR 0120). The words are package consent's;
// the web app only chooses the language and the version.

// chosenLang is the newcomer's chosen language for the consent texts: the
// message language of the posted form when it has the preferences
// fieldset, else the stored one (cur may be nil on a new record). An
// empty choice, or one without a text, falls back to Swedish in
// consent.Set.ShownIn.
func chosenLang(f url.Values, cur *participantsv1.Participant) string {
	if f.Get("notify_form") != "" {
		return strings.TrimSpace(f.Get("notify_language"))
	}
	return cur.GetNotifications().GetPreferredLanguage()
}

// consentFor is the consent to purpose the form records: the purpose's
// current version, in the language its text was linked in.
func consentFor(purpose eventsv1.ConsentPurpose, lang string) *participantsv1.Consent {
	return consent.Texts().Record(purpose, lang)
}

// consentLink is the link beside a consent box.
type consentLink struct {
	// Path opens the purpose's current text in the newcomer's language.
	Path string
	// Base is Path without the language, and Langs the languages the
	// text is written in: app.js follows the form's language picker with
	// them, so the text opened is the one the consent will record.
	Base, Langs string
	// Name names the language shown, and SvName Swedish (the fallback), as
	// the picker names them.
	Name, SvName string
}

// ConsentText is the link beside the consent box of purpose (a slug:
// "mentoring"), in the language the form has chosen for the newcomer
// (templates: {{template "consent_link" ($.ConsentText "dinners")}}).
func (p *page) ConsentText(slug string) consentLink {
	purpose, _ := consent.PurposeOf(slug)
	s := consent.Texts()
	v := s.Current(purpose)
	lang := s.ShownIn(purpose, v, strings.TrimSpace(p.Form.Get("notify_language")))
	path := consent.Path(purpose, v, lang)
	return consentLink{Path: path, Base: strings.TrimSuffix(path, lang), Langs: strings.Join(s.Langs(purpose, v), " "),
		Name: messageLangName(p.Lang, lang), SvName: messageLangName(p.Lang, consent.Fallback)}
}

// consentRow is one recorded consent on the participant page, in words.
type consentRow struct {
	Programme, Given, Version, Language, Withdrawn string
	// Path is the text exactly as agreed: the recorded version and
	// language, not the current text.
	Path string
}

// participantView is the participant page's data beside its form.
type participantView struct {
	// Org names the newcomer's organisation.
	Org string
	// Registered is when the newcomer was registered, the fact a picker
	// tells namesakes apart by (ADR 0132).
	Registered string
	Consents   []consentRow
	// Dinners are the newcomer's sign-ups and seatings (ADR 0275), nil
	// where the gateway has no dinners service.
	Dinners *personDinners
	// Mentoring and Guide are the newcomer's pairs and wait, and their
	// guide assignments and right to one (ADR 0279), nil where the
	// gateway has no such service or the caller no such programme.
	Mentoring, Guide *personProgramme
}

// newParticipantView lists pt's consents in the order they were given.
// orgOrGone is an organisation's name, or "(borttagen)" when the record
// names one that no longer exists: the gateway leaves the name empty only
// then, and fails the read when the volunteers service cannot say (ADR
// 0188), as it does for a person's name (ADR 0182).
func orgOrGone(p *page, id, name string) string {
	if name == "" && id != "" {
		return p.t("m.unmatched.gone")
	}
	return name
}

func newParticipantView(p *page, org string, pt *participantsv1.Participant) participantView {
	v := participantView{Org: orgOrGone(p, pt.GetOrganisationId(), org), Registered: registeredWords(p, pt.GetCreateTime())}
	for _, c := range pt.GetConsents() {
		// Every declared purpose has its word, follow-up too, which has no
		// text; a link only where a text was published under the version
		// (a consent recorded by the API before ADR 0126 may name none,
		// and its link opened "Samtyckestexten finns inte").
		purpose := strings.ToLower(strings.TrimPrefix(c.GetPurpose().String(), "CONSENT_PURPOSE_"))
		r := consentRow{Programme: p.t("consent.programme." + purpose), Version: c.GetTextVersion(),
			Language: langName(p.Lang, c.GetLanguage())}
		if consent.Texts().Has(c.GetPurpose(), c.GetTextVersion()) {
			r.Path = consent.Path(c.GetPurpose(), c.GetTextVersion(), c.GetLanguage())
		}
		if t := c.GetGivenTime(); t != nil {
			r.Given = t.AsTime().In(localtime.Zone).Format(time.DateOnly)
		}
		if t := c.GetWithdrawnTime(); t != nil {
			r.Withdrawn = translateData(p.Lang, "consent.withdrawn", map[string]any{"Date": t.AsTime().In(localtime.Zone).Format(time.DateOnly)}, nil)
		}
		v.Consents = append(v.Consents, r)
	}
	return v
}
