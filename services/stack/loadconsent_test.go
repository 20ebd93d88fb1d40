package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLoadConsentsAreCurrent: the load driver's registrations consent to
// each programme's current text, the newest file in the gateway's
// consent texts (ADR 0120), in a language that text is written in.
func TestLoadConsentsAreCurrent(t *testing.T) {
	t.Parallel()
	for purpose, got := range loadConsentVersions {
		files, err := filepath.Glob(filepath.Join("..", "gateway", "internal", "consent", "texts", purpose+"-*.toml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no texts (%v)", purpose, err)
		}
		var versions []string
		for _, f := range files {
			versions = append(versions, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), purpose+"-"), ".toml"))
		}
		slices.Sort(versions)
		if want := versions[len(versions)-1]; got != want {
			t.Errorf("the load driver consents to %s %s; the current text is %s", purpose, got, want)
		}
		b, err := os.ReadFile(filepath.Join("..", "gateway", "internal", "consent", "texts", purpose+"-"+got+".toml"))
		if err != nil || !strings.Contains(string(b), "[text.ar]") {
			t.Errorf("%s %s has no Arabic text, which the load driver consents in (%v)", purpose, got, err)
		}
	}
	if n := len(loadParticipant().GetConsents()); n != len(loadConsentVersions) {
		t.Errorf("a load registration consents to %d programmes, want %d", n, len(loadConsentVersions))
	}
}
