package web

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// A person's message preferences on the participant and volunteer forms:
// the language messages and the answer page are written in (a picker of
// names, never codes), the channel, and the kinds of message the person
// does not want.

// messageLangName names a message language in the page's language, with
// its own name beside it for the person reading over the coordinator's
// shoulder: "arabiska (العربية)". CLDR's names come from x/text; Dari
// ("prs") is CLDR's fa-AF, whose Swedish name CLDR gives as Persian's, so
// it is named here.
func messageLangName(locale, code string) string {
	if code == "" {
		return ""
	}
	tag, err := language.Parse(code)
	if code == "prs" {
		tag, err = language.MustParse("fa-AF"), nil
	}
	if err != nil {
		return code
	}
	own := display.Self.Name(tag)
	var name string
	switch {
	case code == "prs" && locale == "sv":
		name = "dari"
	case code == "prs":
		name = "Dari"
	default:
		name = display.Tags(language.Make(locale)).Name(tag)
	}
	if name == "" {
		return code
	}
	if own == "" || strings.EqualFold(own, name) {
		return name
	}
	return name + " (" + own + ")"
}

// option lists for the preference fields.
type prefOption struct {
	Value, Label string
	Selected     bool
}

// prefsView is what the form's preference fieldset shows.
type prefsView struct {
	Languages, Channels, Topics []prefOption
}

// newPrefsView builds the fieldset's options from the form's values.
func newPrefsView(p *page) prefsView {
	var v prefsView
	v.Languages = append(v.Languages, prefOption{Value: "", Label: p.t("mailbox.pref.language.default"), Selected: p.Form.Get("notify_language") == ""})
	for _, code := range people.MessageLanguages {
		v.Languages = append(v.Languages, prefOption{Value: code, Label: messageLangName(p.Lang, code), Selected: p.Form.Get("notify_language") == code})
	}
	for _, c := range []typev1.PreferredChannel{typev1.PreferredChannel_PREFERRED_CHANNEL_UNSPECIFIED, typev1.PreferredChannel_PREFERRED_CHANNEL_EMAIL,
		typev1.PreferredChannel_PREFERRED_CHANNEL_SMS, typev1.PreferredChannel_PREFERRED_CHANNEL_NONE} {
		cur := p.Form.Get("notify_channel")
		v.Channels = append(v.Channels, prefOption{Value: c.String(), Label: p.t("mailbox.pch." + c.String()),
			Selected: cur == c.String() || cur == "" && c == typev1.PreferredChannel_PREFERRED_CHANNEL_UNSPECIFIED})
	}
	for _, t := range []typev1.NotificationTopic{typev1.NotificationTopic_NOTIFICATION_TOPIC_OFFERS, typev1.NotificationTopic_NOTIFICATION_TOPIC_REMINDERS,
		typev1.NotificationTopic_NOTIFICATION_TOPIC_CHECK_INS, typev1.NotificationTopic_NOTIFICATION_TOPIC_CANCELLATIONS} {
		v.Topics = append(v.Topics, prefOption{Value: t.String(), Label: p.t("mailbox.topic." + t.String()),
			Selected: slices.Contains(p.Form["notify_optout"], t.String())})
	}
	return v
}

// prefsToForm puts a person's preferences into form values.
func prefsToForm(f map[string][]string, n *typev1.NotificationPreferences) {
	f["notify_language"] = []string{n.GetPreferredLanguage()}
	f["notify_channel"] = []string{n.GetPreferredChannel().String()}
	var outs []string
	for _, o := range n.GetOptOuts() {
		outs = append(outs, o.String())
	}
	f["notify_optout"] = outs
	// The form always posts the fieldset's marker, so an edit that
	// unticks every opt-out is told from a form without the fieldset.
	f["notify_form"] = []string{"1"}
}

// prefs merges the form's preferences into *n when the form shows them
// (notify_form) and they changed, and records the "notifications" path.
// A channel or opt-out the lists do not offer (a tampered or stale form)
// is a field violation in v, never silently "as the system chooses" or
// dropped (the outside round of session 20); the service validates the
// language (one outside its list is a field violation, not Swedish).
func (d *formDiff) prefs(v *apperr.Validator, n **typev1.NotificationPreferences) {
	if d.f.Get("notify_form") == "" {
		return
	}
	outs := append([]string(nil), d.f["notify_optout"]...)
	oldOuts := append([]string(nil), d.old["notify_optout"]...)
	slices.Sort(outs)
	slices.Sort(oldOuts)
	if !d.changed("notify_language", "notify_channel") && slices.Equal(outs, oldOuts) {
		return
	}
	nn := &typev1.NotificationPreferences{
		PreferredLanguage: strings.TrimSpace(d.f.Get("notify_language")),
		PreferredChannel:  typev1.PreferredChannel(enumField(v, d.f, "notify_channel", typev1.PreferredChannel_value)),
	}
	for _, t := range enumList[typev1.NotificationTopic](v, d.f, "notify_optout", typev1.NotificationTopic_value) {
		if !slices.Contains(nn.OptOuts, t) {
			nn.OptOuts = append(nn.OptOuts, t)
		}
	}
	*n = nn
	d.set("notifications")
}

// Prefs is the preference fieldset's options for the form on p (the
// participant and volunteer forms show it).
func (p *page) Prefs() prefsView { return newPrefsView(p) }

// LangName names a message language in the page's language (templates:
// {{$.LangName .Language}}).
func (p *page) LangName(code string) string { return messageLangName(p.Lang, code) }
