package participant

import (
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// TestValidateConsent: the service checks a consent's text version (its
// form and length) and language (an ISO 639 code) but not that the text
// exists: the gateway owns the wording and its versions (ADR 0120), the
// service the record. Every version the gateway publishes (YYYY-MM with
// an optional letter) passes.
func TestValidateConsent(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	mentoring := eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
	tests := []struct {
		name    string
		version string
		lang    string
		want    string // the violated field, "" for none
	}{
		{"current", "2026-12", "ar", ""},
		{"second in a month", "2026-12b", "prs", ""},
		{"old", "2026-01", "sv", ""},
		{"no version", "", "sv", "consent.text_version"},
		{"version too long", strings.Repeat("v", 33), "sv", "consent.text_version"},
		{"version with a slash", "2026/12", "sv", "consent.text_version"},
		{"version with a space", "2026 12", "sv", "consent.text_version"},
		{"no language", "2026-12", "", "consent.language"},
		{"language by name", "2026-12", "Arabic", "consent.language"},
		{"language in capitals", "2026-12", "AR", "consent.language"},
	}
	for _, tc := range tests {
		var v apperr.Validator
		validateConsent(&v, "consent", &pb.Consent{Purpose: mentoring, TextVersion: tc.version, Language: tc.lang}, now)
		var got []string
		for _, fv := range apperr.Violations(v.Err()) {
			got = append(got, fv.Field)
		}
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s: violations %v, want none", tc.name, got)
		case tc.want != "" && (len(got) != 1 || got[0] != tc.want):
			t.Errorf("%s: violations %v, want %s", tc.name, got, tc.want)
		}
	}
}
