package core

import (
	"errors"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// TestKeptIDKeepsOnlyIssuedShapes: the audit log, never purged, keeps an
// id a caller sent only in a shape the system issues; a personal identity
// number typed as a participant's id, a name sent to GetPair, an e-mail
// address, an id in upper case stand as audit.InvalidID. A dead letter's
// number is kept below 10 digits, the rules' versions of a change made
// (ADR 0219).
func TestKeptIDKeepsOnlyIssuedShapes(t *testing.T) {
	t.Parallel()
	notFound := errors.New("not found")
	record := ids.UUIDv7{}.New()
	session := account.SessionID("a cookie's secret")
	message := "m" + strings.Repeat("0123456789abcdef", 3)[:40]
	for _, tt := range []struct {
		resource, id string
		err          error
		want         string
	}{
		{"participant", record, nil, record},
		{"participant", record, notFound, record},
		{"session", session, nil, session},
		{"mailbox_message", message, notFound, message},
		{"participant", "", notFound, ""},
		{"dead_letter", "17", nil, "17"},
		{"dead_letter", "17", notFound, "17"},
		{"dead_letter", "198501011234", notFound, audit.InvalidID},
		{"dead_letter", "8501011234", nil, audit.InvalidID},
		{"dead_letter", "-17", notFound, audit.InvalidID},
		{"guide_eligibility_rules", "2026-01-76b243f5", nil, "2026-01-76b243f5"},
		{"guide_eligibility_rules", "19850101-1234", notFound, audit.InvalidID},
		{"participant", "19850101-1234", notFound, audit.InvalidID},
		{"participant", "198501011234", notFound, audit.InvalidID},
		{"pair", "Amina_Hassan", notFound, audit.InvalidID},
		{"audit", "19850101-1234", nil, audit.InvalidID},
		{"user", "notanid", notFound, audit.InvalidID},
		{"user", "me", errors.New("yourself"), audit.InvalidID},
		{"participant", strings.ToUpper(record), notFound, audit.InvalidID},
		{"participant", record + "0", notFound, audit.InvalidID},
		{"participant", strings.ReplaceAll(record, "-", "_"), notFound, audit.InvalidID},
		{"session", strings.Repeat("g", 64), notFound, audit.InvalidID},
		{"mailbox_message", "M" + message[1:], notFound, audit.InvalidID},
	} {
		if got := keptID(tt.resource, tt.id, tt.err); got != tt.want {
			t.Errorf("keptID(%s, %q, %v) = %q, want %q", tt.resource, tt.id, tt.err, got, tt.want)
		}
	}
}
