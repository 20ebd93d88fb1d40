package web

import (
	"testing"

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
