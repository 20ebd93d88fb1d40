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
