package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l, err := Open(ctx, n.JS, 1, func() time.Time { now = now.Add(time.Minute); return now }, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	// u1 reads p0..p4 one by one; u2 lists p1 and p3.
	for i := range 5 {
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued(fmt.Sprintf("p%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u2"), Action: "list", ResourceType: "participant", ResourceIds: []string{issued("p1"), issued("p3")}}); err != nil {
		t.Fatal(err)
	}
	ids := func(es []*gatewayv1.AuditEntry) string {
		var s string
		for _, e := range es {
			s += label(e.GetUserId()) + ":" + label(e.GetResourceId()) + " "
		}
		return s
	}
	tests := []struct {
		name  string
		q     Query
		pages []string
	}{
		{"pages of two", Query{PageSize: 2}, []string{"u1:p0 u1:p1 ", "u1:p2 u1:p3 ", "u1:p4 u2: "}},
		{"one user", Query{UserID: issued("u2")}, []string{"u2: "}},
		{"one record, lists included", Query{ResourceID: issued("p3")}, []string{"u1:p3 u2: "}},
		{"one record, paged", Query{ResourceID: issued("p1"), PageSize: 1}, []string{"u1:p1 ", "u2: "}},
		{"a time window", Query{Start: time.Date(2026, 3, 1, 12, 2, 0, 0, time.UTC), End: time.Date(2026, 3, 1, 12, 4, 0, 0, time.UTC)}, []string{"u1:p1 u1:p2 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			var got []string
			for range 10 {
				es, next, err := l.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(es))
				if next == "" {
					break
				}
				q.PageToken = next
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.pages) {
				t.Errorf("pages %q, want %q", got, tt.pages)
			}
		})
	}
	if _, _, err := l.Search(ctx, Query{PageToken: "x"}); err == nil {
		t.Error("a bad page token was accepted")
	}
	// Searches leave no consumer behind (ADR 0138).
	testutil.CheckNoConsumers(t, n.JS, Stream)
}

// TestSearchTimesOutsideTheCalendar: a window's start or end after year
// 9999 or before year 1, which the binary protocol carries where JSON
// cannot (seconds past Timestamp's range), is the caller's mistake:
// Invalid naming the field, not a consumer the stream cannot make
// (an internal error; ADR 0195).
func TestSearchTimesOutsideTheCalendar(t *testing.T) {
	t.Parallel()
	l, ctx := openLog(t)
	if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued("p0")}); err != nil {
		t.Fatal(err)
	}
	far, before := time.Unix(1<<40, 0).UTC(), time.Unix(-1<<40, 0).UTC()
	for name, q := range map[string]Query{"start after 9999": {Start: far}, "start before year 1": {Start: before},
		"end after 9999": {End: far}, "end before year 1": {End: before}} {
		_, _, err := l.Search(ctx, q)
		if apperr.ErrorCode(err) != apperr.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
	// Year 1 and 9999 themselves are a window like any other.
	es, _, err := l.Search(ctx, Query{Start: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(es) != 1 {
		t.Errorf("years 1 to 9999: %v, %v; want the one entry", es, err)
	}
}

// TestSearchWindowBackwards: a window whose end is not after its start
// holds no entry, and an empty answer reads as "nobody did this": the
// caller's mistake, Invalid naming end_time, as the web page says beside
// its Till field (found from outside: the API answered {}, ADR 0223).
func TestSearchWindowBackwards(t *testing.T) {
	t.Parallel()
	l, ctx := openLog(t)
	if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued("p0")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for name, q := range map[string]Query{
		"end before start": {Start: now, End: now.Add(-time.Hour)},
		"end at start":     {Start: now, End: now},
		"newest first":     {Start: now, End: now.Add(-time.Hour), NewestFirst: true},
	} {
		_, _, err := l.Search(ctx, q)
		if apperr.ErrorCode(err) != apperr.Invalid || !strings.Contains(err.Error(), "end_time") {
			t.Errorf("%s: %v, want Invalid naming end_time", name, err)
		}
	}
	es, _, err := l.Search(ctx, Query{Start: now.Add(-time.Hour), End: now.Add(time.Hour)})
	if err != nil || len(es) != 1 {
		t.Errorf("a window around the entry: %v, %v; want the one entry", es, err)
	}
}

// openLog is a Log on a NATS server of its own, for one test.
func openLog(t *testing.T) (*Log, context.Context) {
	t.Helper()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	l, err := Open(ctx, n.JS, 1, time.Now, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	return l, ctx
}
