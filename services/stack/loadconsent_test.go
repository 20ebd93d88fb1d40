package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// publishedConsents reads the gateway's consent texts (ADR 0120), which
// this module cannot import: for each programme, its versions oldest
// first and, per version, the languages the text is written in.
func publishedConsents(t *testing.T) map[string]map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "gateway", "internal", "consent", "texts", "*.toml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no consent texts (%v)", err)
	}
	out := map[string]map[string][]string{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".toml")
		purpose, version, ok := strings.Cut(name, "-")
		if !ok {
			t.Fatalf("%s: not purpose-version.toml", f)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var langs []string
		for line := range strings.Lines(string(b)) {
			if l, ok := strings.CutPrefix(strings.TrimSpace(line), "[text."); ok {
				langs = append(langs, strings.TrimSuffix(l, "]"))
			}
		}
		if out[purpose] == nil {
			out[purpose] = map[string][]string{}
		}
		out[purpose][version] = langs
	}
	return out
}

// currentVersion is the newest version of one programme's text.
func currentVersion(versions map[string][]string) string {
	var vs []string
	for v := range versions {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs[len(vs)-1]
}

// TestLoadConsentsAreCurrent: the load driver's registrations consent to
// each programme's current text, the newest file in the gateway's
// consent texts (ADR 0120), in a language that text is written in.
func TestLoadConsentsAreCurrent(t *testing.T) {
	t.Parallel()
	published := publishedConsents(t)
	for purpose, got := range currentConsentVersions {
		if want := currentVersion(published[purpose]); got != want {
			t.Errorf("the load driver consents to %s %s; the current text is %s", purpose, got, want)
		}
	}
	for _, c := range loadParticipant("").GetConsents() {
		if langs := published[consentSlug(c.GetPurpose())][c.GetTextVersion()]; !slices.Contains(langs, c.GetLanguage()) {
			t.Errorf("the load driver consents to %s %s in %q; that text is written in %v",
				consentSlug(c.GetPurpose()), c.GetTextVersion(), c.GetLanguage(), langs)
		}
	}
	if n := len(loadParticipant("").GetConsents()); n != len(currentConsentVersions) {
		t.Errorf("a load registration consents to %d programmes, want %d", n, len(currentConsentVersions))
	}
}

// TestSeedConsentsArePublished: every consent of the demo's newcomers
// names its programme's current text in a language that text is written
// in: the newcomer's own when it is, else Swedish. So a coordinator who
// opens a seeded consent's link reads the words agreed to, not a
// fallback note (ADR 0126 found 2026-01 "in Arabic", which has no Arabic).
func TestSeedConsentsArePublished(t *testing.T) {
	t.Parallel()
	published := publishedConsents(t)
	shown := map[string]int{}
	for i := range 2000 { // make seed's default count, from the seed's sources
		p := demoParticipant(rand.New(rand.NewPCG(1, uint64(i))))
		own := p.GetContact().GetPreferredLanguage()
		for _, c := range p.GetConsents() {
			purpose := consentSlug(c.GetPurpose())
			versions := published[purpose]
			if versions == nil {
				t.Fatalf("newcomer %d consents to %s, which has no text", i, purpose)
			}
			if want := currentVersion(versions); c.GetTextVersion() != want {
				t.Fatalf("newcomer %d consents to %s %s; the current text is %s", i, purpose, c.GetTextVersion(), want)
			}
			langs := versions[c.GetTextVersion()]
			want := "sv"
			if slices.Contains(langs, own) {
				want = own
			}
			if c.GetLanguage() != want {
				t.Fatalf("newcomer %d (language %q) consents to %s %s in %q, want %q (the text is written in %v)",
					i, own, purpose, c.GetTextVersion(), c.GetLanguage(), want, langs)
			}
			shown[c.GetLanguage()]++
		}
	}
	// Both branches ran: consents in a newcomer's own language and, for
	// the languages no text is written in (Kurdish, Pashto), in Swedish.
	if shown["sv"] == 0 || shown["ar"] == 0 {
		t.Errorf("consents by language %v: want some in Swedish and some in Arabic", shown)
	}
}
