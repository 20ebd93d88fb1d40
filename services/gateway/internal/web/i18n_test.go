package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// TestLocales: Swedish and English are complete and offered; Arabic, still
// being translated, is not, and a user who chose it gets English pages.
func TestLocales(t *testing.T) {
	t.Parallel()
	if err := catalog.Err(); err != nil {
		t.Fatal(err)
	}
	en := catalog.Keys("en")
	for _, l := range []string{"sv", "en"} {
		keys := catalog.Keys(l)
		for _, k := range en {
			if !slices.Contains(keys, k) {
				t.Errorf("%s lacks %q", l, k)
			}
		}
		for _, k := range keys {
			if !slices.Contains(en, k) {
				t.Errorf("%s has %q, which English lacks", l, k)
			}
		}
	}
	if !slices.Equal(offered, []string{"sv", "en"}) {
		t.Errorf("offered %v, want [sv en]", offered)
	}
	if got := shown("ar"); got != "en" {
		t.Errorf("shown(ar) = %q, want en", got)
	}
}

func TestTranslateMessage(t *testing.T) {
	t.Parallel()
	tests := []struct{ locale, in, want string }{
		{"sv", "is required", "måste fyllas i"},
		{"sv", "must be at most 100 characters", "får vara högst 100 tecken"},
		{"sv", "0180 is not one of the organisation's municipalities (0880)", "Stockholm är inte en av organisationens kommuner (Kalmar)"},
		{"sv", "too many sign-in attempts; wait 20s and try again", "för många inloggningsförsök; vänta 20s och försök igen"},
		{"sv", "something new", "something new"},
		{"sv", "only an active pair can end; this one is ended", "bara ett aktivt par kan avslutas (status nu: avslutad)"},
		{"en", "only a confirmed seating can be cancelled; this one is SEATING_STATUS_HELD", "only a confirmed seating can be cancelled; this one is held"},
		{"en", "is required", "is required"},
		// The guides job form's refusals (an admin's typed codes), Swedish
		// since the outside check of issue 11 found them in English.
		{"sv", "is not an SCB municipality code", "är ingen kommunkod från SCB"},
		{"sv", "name at least one municipality", "ange minst en kommun"},
		{"sv", "at most 3", "högst 3"},
		{"sv", "must list at most 1000 entries", "får ange högst 1000"},
		// The dinners RSVP refusals and the expiry moment, found in English
		// and in UTC by the outside round of session 20.
		{"sv", "the guest has already accepted", "gästen har redan tackat ja"},
		{"sv", "the host has already accepted", "värden har redan tackat ja"},
		{"sv", "invalid request", "Rätta följande:"},
		{"sv", "invalid request: 120 problems, the first 50 listed", "120 fel, de första 50 visas:"},
		{"sv", "the offer expired at 2026-12-04T08:00:00Z", "erbjudandet gick ut 2026-12-04 09:00"},
		{"en", "the offer expired at 2026-07-01T08:00:00Z", "the offer expired at 2026-07-01 10:00"},
		// The guides assignments' lifecycle, likewise.
		{"sv", "only a proposed or approved assignment can be declined", "bara en föreslagen eller godkänd lotsning kan tackas nej till"},
		{"sv", "only an assigned assignment can become active", "bara en tilldelad lotsning kan börja"},
		// The guides service names the status since session 22, as the
		// pairs' refusals do; the page says it in words (ADR 0136).
		{"sv", "only a proposed assignment can be rejected; this one is ended", "bara en föreslagen lotsning kan avvisas (status nu: avslutad)"},
		{"sv", "is required: the newcomer or the organisation", "måste anges: den nyanlända eller lotsorganisationen"},
		{"sv", "is required: period over, moved, found work, opted out or organisation left", "måste anges: etableringstiden är slut, har flyttat, har fått arbete, vill inte längre eller organisationen har slutat"},
	}
	for _, tt := range tests {
		if got := translateMessage(tt.locale, tt.in); got != tt.want {
			t.Errorf("translateMessage(%s, %q) = %q, want %q", tt.locale, tt.in, got, tt.want)
		}
	}
	p := &page{Lang: "sv"}
	if got := fieldLabel(p, "municipality_code"); got != "Kommun" {
		t.Errorf("label of municipality_code: %q", got)
	}
	if got := fieldLabel(p, "decline_reason"); got != "Skäl" {
		t.Errorf("label of decline_reason: %q", got)
	}
}

// TestPluralAndPlaceholders: plural forms by the language's CLDR rules
// (Swedish "1 förslag", "3 förslag"; English "1 proposal", "3 proposals"),
// counts of any integer type, placeholders filled.
func TestPluralAndPlaceholders(t *testing.T) {
	t.Parallel()
	sv, en := &page{Lang: "sv"}, &page{Lang: "en"}
	tests := []struct{ got, want string }{
		{sv.tn("m.count", 1), "1 förslag"},
		{sv.tn("m.count", int32(3)), "3 förslag"},
		{en.tn("m.count", 1), "1 proposal"},
		{en.tn("m.count", int64(3)), "3 proposals"},
		{sv.tf("page.range", "From", 51, "To", 100, "Total", 266), "51–100 av 266"},
		{translate("sv", "status.offered"), "erbjuden"},
		{translate("sv", "no.such.key"), "no.such.key"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if got := Catalogue("en")["nav.dashboard"]; got != "Overview" {
		t.Errorf("Catalogue(en) nav.dashboard = %q", got)
	}
	for k, s := range Catalogue("sv") {
		if strings.Contains(s, "{{") {
			t.Errorf("Catalogue(sv) holds the template %s = %q", k, s)
		}
	}
}

// BenchmarkTranslate: a plain word, as pages print hundreds per request.
func BenchmarkTranslate(b *testing.B) {
	for b.Loop() {
		translate("sv", "status.offered")
	}
}

// BenchmarkTranslatePlural: a plural message, resolved through the
// library on every call.
func BenchmarkTranslatePlural(b *testing.B) {
	for b.Loop() {
		translateData("sv", "m.count", nil, 3)
	}
}

// TestInterestRefusalInSwedish: the services' refusal of an interest tag
// (pkg/people's own message, not a copy) reads in Swedish, and no longer
// says that å, ä and ö are not letters.
func TestInterestRefusalInSwedish(t *testing.T) {
	t.Parallel()
	var v apperr.Validator
	people.Interests(&v, "interests", []string{"<script>"})
	fvs := apperr.Violations(v.Err())
	if len(fvs) != 1 {
		t.Fatalf("violations %v, want one", fvs)
	}
	got := translateMessage("sv", fvs[0].Description)
	if got == fvs[0].Description || strings.Contains(got, "a–z") {
		t.Errorf("refusal in Swedish = %q", got)
	}
	var ok apperr.Validator
	people.Interests(&ok, "interests", people.NormInterests(splitList("Trädgård, läsning")))
	if !ok.Valid() {
		t.Errorf("the form's trädgård, läsning refused: %v", ok.Err())
	}
}
