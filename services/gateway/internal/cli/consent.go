package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

// The consent texts, as the web app shows them (package consent, ADR
// 0120): mp records the current version of a purpose's text in the
// language it was shown in, and prints a text to read aloud. Printing
// needs no sign-in: the texts are compiled in and hold no personal data.

// recordedConsent is the consent to purpose for a newcomer shown the
// text in lang. A language the current text is not written in is
// refused, listing those it is: recording it would claim a text nobody
// could have read.
func recordedConsent(e env, purpose eventsv1.ConsentPurpose, lang string) (*participantsv1.Consent, error) {
	s := consent.Texts()
	v := s.Current(purpose)
	if _, ok := s.Get(purpose, v, lang); !ok {
		return nil, errors.New(e.f("err.consent_language", e.programme(purpose), v, lang, strings.Join(s.Langs(purpose, v), " ")))
	}
	return &participantsv1.Consent{Purpose: purpose, TextVersion: v, Language: lang}, nil
}

// programme is a purpose's name in mp's words ("mentorskap").
func (e Env) programme(p eventsv1.ConsentPurpose) string {
	return e.t("programme." + consent.Slug(p))
}

// showConsent prints a consent text: mp consent show [-programme P]
// [-language L] [-version V]. A language the version lacks prints the
// Swedish text and says so; an unreviewed translation is followed by the
// Swedish text, as on the web page.
func showConsent(args []string, e env) error {
	fs := flag.NewFlagSet("consent show", flag.ContinueOnError)
	programme := fs.String("programme", "mentoring", e.usage("flag.consent_programme", programmeChoice))
	lang := fs.String("language", consent.Fallback, e.t("flag.consent_show_language"))
	version := fs.String("version", "", e.t("flag.consent_version"))
	if err := e.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	pv, err := e.enumFlag("programme", *programme, programmeChoice)
	if err != nil {
		return err
	}
	purpose := eventsv1.ConsentPurpose(pv)
	s := consent.Texts()
	v := *version
	if v == "" {
		v = s.Current(purpose)
	}
	if !s.Has(purpose, v) {
		return errors.New(e.f("err.consent_version", e.programme(purpose), v, strings.Join(s.Versions(purpose), " ")))
	}
	shown := s.ShownIn(purpose, v, strings.TrimSpace(*lang))
	if shown != *lang {
		fmt.Fprintln(e.Out, e.f("consent.fallback", v, e.langName(*lang)))
		fmt.Fprintln(e.Out)
	}
	t, _ := s.Get(purpose, v, shown)
	printText(e, t)
	fmt.Fprintln(e.Out, e.f("consent.version_line", t.Version, t.Published, consent.Path(purpose, v, shown)))
	if !t.Reviewed {
		sv, _ := s.Get(purpose, v, consent.Fallback)
		fmt.Fprintln(e.Out)
		fmt.Fprintln(e.Out, e.t("consent.unreviewed"))
		fmt.Fprintln(e.Out)
		printText(e, sv)
	}
	return nil
}

// printText prints a text's title and paragraphs, a blank line between.
func printText(e env, t consent.Text) {
	fmt.Fprintln(e.Out, t.Title)
	for _, p := range t.Paragraphs {
		fmt.Fprintln(e.Out)
		fmt.Fprintln(e.Out, p)
	}
	fmt.Fprintln(e.Out)
}
