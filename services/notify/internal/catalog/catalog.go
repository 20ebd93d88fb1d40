// Package catalog renders the notification texts from go-i18n message
// catalogues: one TOML file per language, embedded in the binary
// (messages/<lang>.toml). Each file says whether a native speaker reviewed
// it (meta_reviewed) and which way it is written (meta_direction). A
// message in a language that is not reviewed is sent with the Swedish text
// below it, so a wrong translation never leaves the reader without a text
// they or a helper can check.
package catalog

import (
	"embed"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/bidi"
)

// Languages are the catalogues, Swedish first (the fallback).
var Languages = []string{"sv", "en", "ar", "fa", "prs", "ti", "so", "uk"}

//go:embed messages/*.toml
var files embed.FS

// Kind names a message: its catalogue entries are <kind>_subject and
// <kind>_body.
type Kind string

// The kinds of message.
const (
	MentorOffer         Kind = "mentor_offer"
	MenteeOffer         Kind = "mentee_offer"
	DinnerInvitation    Kind = "dinner_invitation"
	DinnerGuestProposed Kind = "dinner_guest_proposed"
	DinnerConfirmed     Kind = "dinner_confirmed"
	GuideAssigned       Kind = "guide_assigned"
	RsvpReminder        Kind = "rsvp_reminder"
	DinnerReminder      Kind = "dinner_reminder"
	CheckIn             Kind = "check_in"
	Cancellation        Kind = "cancellation"
	PairEnded           Kind = "pair_ended"
)

// Reason names the sentence a message gives for what happened: its
// catalogue entry's id. Only reasons that are nobody's own have one (ADR
// 0148): "you did not get on" or "one of you moved" is not for a message.
type Reason string

// The reasons a pair-ended message may give.
const (
	EndedCompleted   Reason = "pair_ended_completed"
	EndedLostContact Reason = "pair_ended_lost_contact"
)

// Data fills a message's placeholders. Only what minimum disclosure allows
// for the kind is set by the caller: a host gets the guest's first name,
// party size and diets; a guest gets the address only in DinnerConfirmed.
type Data struct {
	FirstName    string // the recipient's
	Counterpart  string // the other party's first name
	Date, Time   string // YYYY-MM-DD, HH:MM
	PartySize    int
	Diets        []int32 // typev1.Diet values; rendered in the language
	Address      string
	Organisation string
	AnswerBy     string // YYYY-MM-DD HH:MM, when the link expires
	Link         string // the answer URL; empty for none
	// CannotCome words the link as "cannot come?" rather than "answer".
	CannotCome bool
	// Because is the reason the message gives; empty for none.
	Because Reason
}

// Message is a rendered message.
type Message struct {
	Language string
	Subject  string
	Text     string // plain text (e-mail text part, SMS, webhook)
	HTML     string // e-mail HTML part; dir="rtl" for right-to-left languages
	// Reviewed is false when the language's texts were not reviewed by a
	// native speaker; Text and HTML then carry the Swedish text too.
	Reviewed bool
}

// Catalog holds the parsed catalogues. It is safe for concurrent use.
type Catalog struct {
	bundle   *i18n.Bundle
	reviewed map[string]bool
	rtl      map[string]bool
}

// New parses the embedded catalogues. It fails when a language lacks a
// message Swedish has, so a half-translated file cannot ship.
func New() (*Catalog, error) {
	b := i18n.NewBundle(language.Swedish)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{bundle: b, reviewed: map[string]bool{}, rtl: map[string]bool{}}
	ids := map[string]map[string]bool{}
	for _, l := range Languages {
		buf, err := files.ReadFile("messages/" + l + ".toml")
		if err != nil {
			return nil, fmt.Errorf("catalog: %s: %w", l, err)
		}
		msgs, err := b.ParseMessageBytes(language.MustParse(tagFor(l)), buf, toml.Unmarshal)
		if err != nil {
			return nil, fmt.Errorf("catalog: %s: %w", l, err)
		}
		ids[l] = map[string]bool{}
		for _, m := range msgs {
			ids[l][m.ID] = true
			switch m.ID {
			case "meta_reviewed":
				c.reviewed[l] = m.Other == "yes"
			case "meta_direction":
				c.rtl[l] = m.Other == "rtl"
			}
		}
	}
	for _, l := range Languages[1:] {
		for id := range ids["sv"] {
			if !ids[l][id] {
				return nil, fmt.Errorf("catalog: %s lacks %s", l, id)
			}
		}
	}
	return c, nil
}

// Known reports whether lang has a catalogue.
func (c *Catalog) Known(lang string) bool {
	_, ok := c.reviewed[lang]
	return ok
}

// Reviewed reports whether a native speaker reviewed lang's texts.
func (c *Catalog) Reviewed(lang string) bool { return c.reviewed[lang] }

// RTL reports whether lang is written right to left.
func (c *Catalog) RTL(lang string) bool { return c.rtl[lang] }

// Render renders kind in lang (Swedish when lang has no catalogue), with
// the Swedish text appended when lang is not reviewed.
func (c *Catalog) Render(lang string, kind Kind, d Data) (Message, error) {
	if !c.Known(lang) {
		lang = "sv"
	}
	own, err := c.parts(lang, kind, d)
	if err != nil {
		return Message{}, err
	}
	m := Message{Language: lang, Reviewed: c.reviewed[lang], Subject: own.subject}
	m.Text = own.text()
	m.HTML = "<!doctype html>\n<html lang=\"" + lang + "\" dir=\"" + dir(c.rtl[lang]) + "\"><body>\n" + own.html(lang, c.rtl[lang])
	if !m.Reviewed {
		sv, err := c.parts("sv", kind, d)
		if err != nil {
			return Message{}, err
		}
		m.Subject = own.subject + " / " + sv.subject
		m.Text = own.note + "\n\n" + own.text() + "\n\n----\n" + own.inSwedish + "\n\n" + sv.text()
		m.HTML = "<!doctype html>\n<html lang=\"" + lang + "\" dir=\"" + dir(c.rtl[lang]) + "\"><body>\n" +
			"<p><small>" + html.EscapeString(own.note) + "</small></p>\n" + own.html(lang, c.rtl[lang]) +
			"<hr>\n<p>" + html.EscapeString(own.inSwedish) + "</p>\n" + sv.html("sv", false)
	}
	m.HTML += "</body></html>\n"
	return m, nil
}

// Summary is the body alone (no greeting, link or footer), in lang, for
// the answer page.
func (c *Catalog) Summary(lang string, kind Kind, d Data) (string, error) {
	if !c.Known(lang) {
		lang = "sv"
	}
	p, err := c.parts(lang, kind, d)
	return p.body, err
}

type parts struct {
	subject, greeting, body, answerBy, link, footer, note, inSwedish string
}

func (p parts) paragraphs() []string {
	out := []string{p.greeting, p.body}
	if p.answerBy != "" {
		out = append(out, p.answerBy)
	}
	if p.link != "" {
		out = append(out, p.link)
	}
	return append(out, p.footer)
}

func (p parts) text() string { return strings.Join(p.paragraphs(), "\n\n") }

// html escapes every paragraph (names and addresses are the person's own
// input) and wraps the section in its language and direction.
func (p parts) html(lang string, rtl bool) string {
	var b strings.Builder
	// A long word (a name of one 62-letter word, the answer link's
	// address) breaks where it must: on a phone's mail app it widened the
	// message past the screen (ADR 0187). Inline, as mail apps drop a
	// <style> element; word-break for the apps that know no overflow-wrap.
	fmt.Fprintf(&b, "<div lang=\"%s\" dir=\"%s\" style=\"overflow-wrap:anywhere;word-break:break-word\">\n", lang, dir(rtl))
	for _, s := range p.paragraphs() {
		e := dateRe.ReplaceAllString(html.EscapeString(s), `<span style="white-space:nowrap">$0</span>`)
		if s == p.link {
			// The answer link is a link: as bare text many mail apps on a
			// phone show nothing to press (ADR 0137). dir keeps it left to
			// right inside Arabic and Persian.
			e = urlRe.ReplaceAllString(e, `<a href="$0" dir="ltr">$0</a>`)
		}
		b.WriteString("<p>" + e + "</p>\n")
	}
	b.WriteString("</div>\n")
	return b.String()
}

// dateRe finds a date (and its time) in a paragraph: the HTML part keeps
// it on one line, as a phone's narrow screen broke "2026-12-10" after
// "2026-".
// urlRe finds the answer link's address in its (escaped) paragraph.
var urlRe = regexp.MustCompile(`https?://[^\s<>"]+`)

var dateRe = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?`)

func dir(rtl bool) string {
	if rtl {
		return "rtl"
	}
	return "ltr"
}

// tagFor is the BCP 47 tag go-i18n knows a language by. Dari is "prs" in
// ISO 639-3 and in our records, but CLDR has plural rules only for its
// macrolanguage, so its catalogue is loaded as Afghan Persian (fa-AF).
func tagFor(lang string) string {
	if lang == "prs" {
		return "fa-AF"
	}
	return lang
}

func (c *Catalog) parts(lang string, kind Kind, d Data) (parts, error) {
	loc := i18n.NewLocalizer(c.bundle, tagFor(lang))
	diets := make([]string, 0, len(d.Diets))
	for _, x := range d.Diets {
		if s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: fmt.Sprintf("diet_%d", x)}); err == nil {
			diets = append(diets, s)
		}
	}
	rtl := c.rtl[lang]
	// Lists take the language's comma: Arabic script writes "،".
	sep, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "list_separator"})
	if err != nil {
		return parts{}, fmt.Errorf("catalog: %s list_separator: %w", lang, err)
	}
	data := map[string]any{
		"FirstName": isolate(d.FirstName, rtl), "Counterpart": isolate(d.Counterpart, rtl), "Date": d.Date, "Time": d.Time,
		"PartySize": d.PartySize, "Diets": strings.Join(diets, sep), "Address": isolate(d.Address, rtl),
		"Organisation": isolate(d.Organisation, rtl), "AnswerBy": isolate(d.AnswerBy, rtl), "Link": d.Link,
	}
	get := func(id string) (string, error) {
		s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
		if err != nil {
			return "", fmt.Errorf("catalog: %s %s: %w", lang, id, err)
		}
		return s, nil
	}
	// The party's size is a plural: "1 person", "3 personer", and
	// Arabic's six forms. go-i18n picks the form by the count's CLDR rule
	// for the language (Dari by fa-AF's).
	party, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "party_size", TemplateData: data, PluralCount: d.PartySize})
	if err != nil {
		return parts{}, fmt.Errorf("catalog: %s party_size: %w", lang, err)
	}
	data["Party"] = party
	data["Because"] = ""
	if d.Because != "" {
		if data["Because"], err = get(string(d.Because)); err != nil {
			return parts{}, err
		}
	}
	var p parts
	for _, f := range []struct {
		dst *string
		id  string
	}{
		{&p.subject, string(kind) + "_subject"}, {&p.body, string(kind) + "_body"}, {&p.greeting, "greeting"},
		{&p.footer, "footer"}, {&p.note, "not_reviewed"}, {&p.inSwedish, "in_swedish"},
	} {
		if *f.dst, err = get(f.id); err != nil {
			return parts{}, err
		}
	}
	if d.FirstName == "" {
		// "Hej !", "Вітаємо, !": the greeting without the name keeps
		// neither the space nor the comma that led to it.
		p.greeting = strings.TrimSpace(noName.ReplaceAllString(p.greeting, "!"))
	}
	if d.AnswerBy != "" {
		if p.answerBy, err = get("answer_by"); err != nil {
			return parts{}, err
		}
	}
	if d.Link != "" {
		id := "answer_link"
		if d.CannotCome {
			id = "cannot_come_link"
		}
		if p.link, err = get(id); err != nil {
			return parts{}, err
		}
	}
	p.subject = oneLine(p.subject)
	return p, nil
}

// noName is what is left before the "!" of a greeting whose name is empty.
var noName = regexp.MustCompile(`[\s,،]+!`)

// isolate keeps a value on one line and, where its direction may differ
// from the sentence's, wraps it in Unicode's first-strong isolate
// (U+2068 ... U+2069): a Latin name in an Arabic, Persian or Dari
// sentence, or an Arabic-script name in a left-to-right one. Without it the
// bidi algorithm lets the value pull its neighbours along: "Erik، 3 نفر"
// shows the count before the name to a right-to-left reader, and
// "محمد, 3 personer" shows "3 ,محمد" to a left-to-right one. A Latin value
// in a left-to-right message needs nothing, so Swedish and English texts
// (and their SMS encoding) stay as they were. Links are never isolated: a
// mail client could take the marks into the address it links.
func isolate(s string, rtl bool) string {
	s = oneLine(s)
	if s == "" || !rtl && !hasRTL(s) {
		return s
	}
	return "\u2068" + s + "\u2069"
}

// hasRTL reports whether s holds a right-to-left letter.
func hasRTL(s string) bool {
	for _, r := range s {
		if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL {
			return true
		}
	}
	return false
}

// oneLine keeps a value on one line: no header or paragraph injection
// through a name.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
