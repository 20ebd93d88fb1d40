package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSearchRefusesAUserIDNoUserHas: a user_id filter becomes a part of
// the consumer's subject filter. One of a million bytes was sent to NATS,
// which closed the gateway's connection for it ("maximum control line
// exceeded"): every watch, the audit and the sessions with it. Now an id
// that is no id is refused before NATS is asked, naming the field, and
// the log keeps working.
func TestSearchRefusesAUserIDNoUserHas(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	l, err := Open(ctx, n.JS, 1, time.Now, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued("p0")}); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]Query{
		"user_id of a million bytes":      {UserID: strings.Repeat("a", 1_000_000)},
		"user_id of 65 characters":        {UserID: strings.Repeat("a", 65)},
		"user_id with a subject wildcard": {UserID: issued("u1") + ".>"},
		"resource_id of a million bytes":  {ResourceID: strings.Repeat("a", 1_000_000)},
		"page size -1":                    {PageSize: -1},
		"page size 1001":                  {PageSize: 1001},
	} {
		_, _, err := l.Search(ctx, q)
		field := "user_id"
		switch {
		case q.PageSize != 0:
			field = "page_size"
		case q.UserID == "":
			field = "resource_id"
		}
		if apperr.ErrorCode(err) != apperr.Invalid || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want Invalid naming %s", name, err, field)
		}
	}
	if !n.Conn.IsConnected() {
		t.Fatalf("the connection to NATS was closed")
	}
	es, _, err := l.Search(ctx, Query{UserID: issued("u1")})
	if err != nil || len(es) != 1 {
		t.Errorf("u1's entries after: %v, %v; want the one entry", es, err)
	}
}
