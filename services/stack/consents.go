package main

import (
	"slices"
	"strings"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// currentConsentVersions are the consent texts' current versions, per
// programme, that the seed's and the load driver's newcomers consent to.
// The texts live in the gateway's internal/consent/texts, which this
// module cannot import; TestLoadConsentsAreCurrent and
// TestSeedConsentsArePublished read those files and fail when a new
// version is published and this table is not moved to it (ADR 0120).
var currentConsentVersions = map[string]string{"mentoring": "2026-12", "dinners": "2026-12", "guides": "2026-12"}

// currentConsentLanguages are the languages every current text above is
// written in. A consent names one of them, so the link on the newcomer's
// page opens the words that were read out, not a fallback.
var currentConsentLanguages = []string{"sv", "en", "ar", "fa", "prs", "ti", "so", "uk"}

// consentTo is the consent a newcomer whose language is lang gives to
// purpose now: the current text, in lang when that text is written in it,
// else in Swedish, as the web form records it (ADR 0120).
func consentTo(purpose eventsv1.ConsentPurpose, lang string) *participantsv1.Consent {
	if !slices.Contains(currentConsentLanguages, lang) {
		lang = "sv"
	}
	return &participantsv1.Consent{Purpose: purpose, TextVersion: currentConsentVersions[consentSlug(purpose)], Language: lang}
}

// consentSlug is the purpose's name in the texts' file names ("mentoring").
func consentSlug(p eventsv1.ConsentPurpose) string {
	return strings.ToLower(strings.TrimPrefix(p.String(), "CONSENT_PURPOSE_"))
}
