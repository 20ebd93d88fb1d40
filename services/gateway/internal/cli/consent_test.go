package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestConsentProgrammesHaveTexts: mp offered -programme follow_up, which
// has no consent text, and recording or showing it printed
// "samtyckestexten för programme. (version ) finns inte på "sv"; den finns
// på: " (the s24 outside round, ADR 0126). -h lists the programmes with
// texts only, and follow_up is refused before anything is sent, with
// that same list.
func TestConsentProgrammesHaveTexts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cmds := map[string]func(args []string, e env) error{
		"participants consent": func(a []string, e env) error { return participantConsent(ctx, nil, append(a, "ID"), e) },
		"consent show":         showConsent,
	}
	for name, run := range cmds {
		for _, lang := range []string{"sv", "en"} {
			var out bytes.Buffer
			e := env{lang: lang, Out: &out}
			if err := run([]string{"-h"}, e); !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("%s -h: %v", name, err)
			}
			if strings.Contains(out.String(), "follow_up") || !strings.Contains(out.String(), "guides") {
				t.Errorf("%s -h (%s) offers: %s", name, lang, out.String())
			}
			out.Reset()
			err := run([]string{"-programme", "follow_up"}, e)
			if err == nil || !strings.Contains(err.Error(), "mentoring") || !strings.Contains(err.Error(), "guides (") || strings.Contains(err.Error(), "programme.") {
				t.Errorf("%s -programme follow_up (%s): %v", name, lang, err)
			}
			if out.Len() != 0 {
				t.Errorf("%s -programme follow_up printed %q", name, out.String())
			}
		}
	}
}

// TestLanguagesByName: mp printed "språk ar" for a newcomer's message
// language and "finns inte på \"ar\"" for a text the version lacks, where
// the web app says "arabiska"; a code that names no text language is
// quoted as typed.
func TestLanguagesByName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ lang, code, want string }{
		{"sv", "ar", "arabiska"}, {"sv", "prs", "dari"}, {"en", "ar", "Arabic"}, {"en", "uk", "Ukrainian"}, {"sv", "xx", `"xx"`},
	} {
		if got := (Env{lang: tc.lang}).langName(tc.code); got != tc.want {
			t.Errorf("langName(%s, %s) = %s, want %s", tc.lang, tc.code, got, tc.want)
		}
	}
	var out bytes.Buffer
	if err := showConsent([]string{"-programme", "dinners", "-version", "2026-01", "-language", "ar"}, env{lang: "sv", Out: &out}); err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(out.String(), "\n", 2)[0]; first != "Version 2026-01 av texten finns inte på arabiska; den visas på svenska." {
		t.Errorf("the fallback line: %s", first)
	}
}
