package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/gateway/internal/bounds"
)

// TestListCapRefusalInSwedish: the gateway's own refusal of an overlong
// list (internal/bounds, not a copy of its text), which a newcomer form
// with 21 interests typed in one field meets, reads in Swedish with both
// numbers; it was shown in English ("lists 21 entries; at most 20 are
// allowed") on a Swedish page.
func TestListCapRefusalInSwedish(t *testing.T) {
	t.Parallel()
	interests := make([]string, 21)
	for i := range interests {
		interests[i] = "x"
	}
	fvs := apperr.Violations(bounds.Check(&participantsv1.Participant{Interests: interests}))
	if len(fvs) != 1 {
		t.Fatalf("violations %v, want one", fvs)
	}
	got := translateMessage("sv", fvs[0].Description)
	if got == fvs[0].Description || !strings.Contains(got, "21") || !strings.Contains(got, "20") {
		t.Errorf("refusal in Swedish = %q (service: %q)", got, fvs[0].Description)
	}
}

// TestMessagePreferenceRefusalsInSwedish: pkg/people's refusals of a
// person's message preferences (its own messages, not copies), which
// `mp participants notify -language xx` printed in English, read in
// Swedish.
func TestMessagePreferenceRefusalsInSwedish(t *testing.T) {
	t.Parallel()
	var v apperr.Validator
	people.Notifications(&v, "notifications", &typev1.NotificationPreferences{PreferredLanguage: "xx",
		OptOuts: make([]typev1.NotificationTopic, people.MaxOptOuts+1)})
	fvs := apperr.Violations(v.Err())
	if len(fvs) != 2 {
		t.Fatalf("violations %v, want two", fvs)
	}
	for _, fv := range fvs {
		if got := translateMessage("sv", fv.Description); got == fv.Description {
			t.Errorf("%s: refusal stays English: %q", fv.Field, got)
		}
	}
}

// TestScopeRefusalsInSwedish: every "you may ..." refusal and every
// PermissionDenied with a fixed text that the services and pkg write
// (found in their sources, so a new one is not missed) reads in Swedish;
// `mp deadletters list` as a coordinator printed "nekad: only operators
// and admins may do this". A guides job posted for a municipality the coordinator no
// longer has showed "you may only start jobs in your organisation and
// municipalities" on the Swedish page.
func TestScopeRefusalsInSwedish(t *testing.T) {
	t.Parallel()
	refusal := regexp.MustCompile(`"(you may [^"]*)"|apperr\.(?:Errorf|New)\(\s*apperr\.PermissionDenied,\s*"([^"]+)"`)
	var found int
	for _, root := range []string{"../../../../pkg", "../../../../services"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range refusal.FindAllStringSubmatch(string(src), -1) {
				text := m[1] + m[2]
				msgs := []string{text}
				if strings.Contains(text, "%s") { // pkg/people's Noun
					msgs = []string{strings.Replace(text, "%s", "participant", 1), strings.Replace(text, "%s", "volunteer", 1)}
				}
				for _, msg := range msgs {
					found++
					if got := translateMessage("sv", msg); got == msg {
						t.Errorf("%s: %q stays English", path, msg)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 30 {
		t.Errorf("found %d refusals in the sources, want at least 30: is the walk reading them?", found)
	}
}

// TestQuotaFieldLabelled: the guides assignment form's quota refused by the
// service is listed in the error summary by its label, not as "quota".
func TestQuotaFieldLabelled(t *testing.T) {
	t.Parallel()
	p := &page{Lang: "sv"}
	if got, want := fieldLabel(p, "quota"), p.t("guides.assign.quota"); got != want || got == "quota" {
		t.Errorf("label of quota: %q, want %q", got, want)
	}
}

// TestAddressRefusalInSwedish: the dinners service's refusal of a long
// street address (mp dinners offers update -address), a report's months
// out of order and a page token from an old address
// (/admin/mailbox?page_token=...) read in Swedish.
func TestAddressRefusalInSwedish(t *testing.T) {
	t.Parallel()
	const msg = "must be at most 200 characters of text" // services/dinners/internal/dinners/offers.go
	if got := translateMessage("sv", msg); got != "får vara högst 200 tecken" {
		t.Errorf("translateMessage(sv, %q) = %q", msg, got)
	}
	// A page token from an old address (notify's mailbox, the dead letters).
	for _, tok := range []string{"is not a token from a previous response", "is not a token from a previous page"} {
		if got := translateMessage("sv", tok); got == tok {
			t.Errorf("translateMessage(sv, %q) stays English", tok)
		}
	}
	// pkg/report's months of a report (mp dinners report -from 2026-12 -to 2025-01).
	const months = "must be from from_month to 10 years after it"
	if got := translateMessage("sv", months); got == months {
		t.Errorf("translateMessage(sv, %q) stays English", months)
	}
}
