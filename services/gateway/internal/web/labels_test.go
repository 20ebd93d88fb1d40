package web

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// TestAuditWords: an audit entry reads as words in the page's language,
// notify's messages by their kind; a code the catalogue lacks stays
// readable rather than vanishing.
func TestAuditWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		locale                    string
		action, resource, channel string
		want                      string
	}{
		{"sv", "list", "participant", "web", "listade nyanländ (webb)"},
		{"en", "list", "participant", "web", "listed newcomer (web)"},
		{"sv", "notify_mentor_offer", "participant", "mailbox", "skickade förslag på mentor till nyanländ (brevlådan)"},
		{"en", "notify_mentee_offer", "volunteer", "mailbox", "sent mentee offer to volunteer (mailbox)"},
		{"sv", "frobnicate", "widget_part", "web", "frobnicate widget part (webb)"},
	}
	for _, tt := range tests {
		what := localeFuncs(tt.locale)["auditWhat"].(func(*gatewayv1.AuditEntry) string)
		got := what(&gatewayv1.AuditEntry{Action: tt.action, ResourceType: tt.resource, Channel: tt.channel})
		if got != tt.want {
			t.Errorf("%s %s %s (%s) = %q, want %q", tt.locale, tt.action, tt.resource, tt.channel, got, tt.want)
		}
	}
}

// TestAuditOutcomesInWords: every outcome the gateway writes to the audit
// log (an apperr code, or why a single sign-on was refused) reads as words
// in Swedish and English. The page showed "invalid" on a Swedish page for
// each refused form, since the catalogue named gRPC codes
// ("invalid_argument") the gateway never writes.
func TestAuditOutcomesInWords(t *testing.T) {
	t.Parallel()
	outcomes := []string{
		string(apperr.Invalid), string(apperr.NotFound), string(apperr.AlreadyExists), string(apperr.Conflict),
		string(apperr.FailedPrecondition), string(apperr.PermissionDenied), string(apperr.Unauthenticated),
		string(apperr.Unavailable), string(apperr.Internal),
		"invalid_state", "provider_refused", "exchange_failed", "invalid_token", "invalid_nonce",
		"no_email", "email_not_verified", "no_account", "user_disabled",
	}
	for _, locale := range []string{"sv", "en"} {
		for _, o := range outcomes {
			if key := "audit.outcome." + o; translate(locale, key) == key {
				t.Errorf("%s: outcome %q has no words in the catalogue (the page shows %q)", locale, o, strings.ReplaceAll(o, "_", " "))
			}
		}
	}
	if got := localeFuncs("sv")["auditOutcome"].(func(string) string)(string(apperr.Invalid)); got != "felaktiga uppgifter" {
		t.Errorf("sv: outcome invalid reads %q, want felaktiga uppgifter", got)
	}
}
