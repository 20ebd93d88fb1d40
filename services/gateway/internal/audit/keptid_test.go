package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// TestKeptIDKeepsOnlyIssuedShapes: the audit log, never purged, keeps an
// id a caller sent only in a shape the system issues; a personal identity
// number typed as a participant's id, a name sent to GetPair, an e-mail
// address, an id in upper case stand as InvalidID. A dead letter's number
// is kept below 10 digits, the rules' versions of a change made (outcome
// "ok"). Through Log.Record and back from the stream, in resource_id and
// in a list's resource_ids: the rule is the log's, whoever records (ADR
// 0219, 0221). Letters and digits alone (the rule before) keep 12 of these.
func TestKeptIDKeepsOnlyIssuedShapes(t *testing.T) {
	t.Parallel()
	l, ctx := openLog(t)
	record := ids.UUIDv7{}.New()
	sum := sha256.Sum256([]byte("a cookie's secret"))
	session := hex.EncodeToString(sum[:]) // account.SessionID's shape
	message := "m" + strings.Repeat("0123456789abcdef", 3)[:40]
	cases := []struct {
		resource, id, outcome string
		want                  string
	}{
		{"participant", record, "ok", record},
		{"participant", record, "not_found", record},
		{"session", session, "ok", session},
		{"mailbox_message", message, "not_found", message},
		{"participant", "", "not_found", ""},
		{"dead_letter", "17", "ok", "17"},
		{"dead_letter", "17", "not_found", "17"},
		{"dead_letter", "198501011234", "not_found", InvalidID},
		{"dead_letter", "8501011234", "ok", InvalidID},
		{"dead_letter", "-17", "not_found", InvalidID},
		{"guide_eligibility_rules", "2026-01-76b243f5", "ok", "2026-01-76b243f5"},
		{"guide_eligibility_rules", "19850101-1234", "not_found", InvalidID},
		{"participant", "19850101-1234", "not_found", InvalidID},
		{"participant", "198501011234", "not_found", InvalidID},
		{"pair", "Amina_Hassan", "not_found", InvalidID},
		{"audit", "19850101-1234", "ok", InvalidID},
		{"user", "notanid", "not_found", InvalidID},
		{"user", "me", "permission_denied", InvalidID},
		{"participant", strings.ToUpper(record), "not_found", InvalidID},
		{"participant", record + "0", "not_found", InvalidID},
		{"participant", strings.ReplaceAll(record, "-", "_"), "not_found", InvalidID},
		{"session", strings.Repeat("g", 64), "not_found", InvalidID},
		{"mailbox_message", "M" + message[1:], "not_found", InvalidID},
	}
	user := issued("kim")
	for _, tt := range cases {
		e := &gatewayv1.AuditEntry{UserId: user, Action: "read", ResourceType: tt.resource, ResourceId: tt.id, Outcome: tt.outcome}
		if err := l.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
		e = &gatewayv1.AuditEntry{UserId: user, Action: "list", ResourceType: tt.resource, ResourceIds: []string{tt.id}, Outcome: tt.outcome}
		if err := l.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	es, _, err := l.Search(ctx, Query{UserID: user, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2*len(cases) {
		t.Fatalf("%d entries, want %d", len(es), 2*len(cases))
	}
	for i, tt := range cases {
		one, list := es[2*i], es[2*i+1]
		got := fmt.Sprint(one.GetResourceId(), list.GetResourceIds())
		if want := fmt.Sprint(tt.want, []string{tt.want}); got != want {
			t.Errorf("%s %q (%s) kept as %s, want %s", tt.resource, tt.id, tt.outcome, got, want)
		}
	}
}
