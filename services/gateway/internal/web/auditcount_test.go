package web

import (
	"testing"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// TestAuditSignOutsAndCountsInWords (ADR 0221): a sign-out, a token
// revoked by mp logout, and a tally of refused sign-ins read as words in
// Swedish and English, the tally with its number; a tally of a kind the
// catalogue has no words for still says its number.
func TestAuditSignOutsAndCountsInWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		locale string
		e      *gatewayv1.AuditEntry
		want   string
	}{
		{"sv", &gatewayv1.AuditEntry{Action: "signout", ResourceType: "session", Channel: "web"}, "utloggning (webb)"},
		{"en", &gatewayv1.AuditEntry{Action: "signout", ResourceType: "session", Channel: "web"}, "sign-out (web)"},
		{"sv", &gatewayv1.AuditEntry{Action: "signout", ResourceType: "api_token", Channel: "api"}, "utloggning: API-token återkallad (API)"},
		{"sv", &gatewayv1.AuditEntry{Action: "delete", ResourceType: "api_token", Channel: "api"}, "tog bort API-token (API)"},
		{"sv", &gatewayv1.AuditEntry{Action: "signin", ResourceType: "api_token", Channel: "api", Count: 199},
			"ytterligare 199 inloggningar med lösenord för en API-token samma minut (API)"},
		{"sv", &gatewayv1.AuditEntry{Action: "signin", ResourceType: "session", Channel: "web", Count: 1},
			"ytterligare 1 inloggning med lösenord samma minut (webb)"},
		{"en", &gatewayv1.AuditEntry{Action: "signin", ResourceType: "session", Channel: "web", Count: 37},
			"37 more sign-ins with a password in the same minute (web)"},
		{"sv", &gatewayv1.AuditEntry{Action: "signin_oidc", ResourceType: "session", Channel: "web", Count: 3},
			"ytterligare 3 inloggningar med single sign-on samma minut (webb)"},
		{"sv", &gatewayv1.AuditEntry{Action: "read", ResourceType: "participant", Channel: "web", Count: 2},
			"läste nyanländ (webb), 2 gånger till samma minut"},
	} {
		what := localeFuncs(tt.locale)["auditWhat"].(func(*gatewayv1.AuditEntry) string)
		if got := what(tt.e); got != tt.want {
			t.Errorf("%s %s %s ×%d = %q, want %q", tt.locale, tt.e.GetAction(), tt.e.GetResourceType(), tt.e.GetCount(), got, tt.want)
		}
	}
}
