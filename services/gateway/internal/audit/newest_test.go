package audit

import (
	"fmt"
	"strings"
	"testing"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSearchNewestFirst: the same searches as TestSearch, newest first
// (ADR 0211): the pages in reverse, each filter kept, and a last page that
// is never empty when the entries fill whole pages.
func TestSearchNewestFirst(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l, err := Open(ctx, n.JS, 1, func() time.Time { now = now.Add(time.Minute); return now }, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	if es, next, err := l.Search(ctx, Query{NewestFirst: true}); err != nil || len(es) != 0 || next != "" {
		t.Fatalf("an empty log: %v %q %v", es, next, err)
	}
	for i := range 5 {
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued(fmt.Sprintf("p%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u2"), Action: "list", ResourceType: "participant", ResourceIds: []string{issued("p1"), issued("p3")}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		q     Query
		pages []string
	}{
		{"pages of two", Query{PageSize: 2}, []string{"u2: u1:p4 ", "u1:p3 u1:p2 ", "u1:p1 u1:p0 "}},
		{"pages of four", Query{PageSize: 4}, []string{"u2: u1:p4 u1:p3 u1:p2 ", "u1:p1 u1:p0 "}},
		{"one page", Query{}, []string{"u2: u1:p4 u1:p3 u1:p2 u1:p1 u1:p0 "}},
		{"one user, paged", Query{UserID: issued("u1"), PageSize: 2}, []string{"u1:p4 u1:p3 ", "u1:p2 u1:p1 ", "u1:p0 "}},
		{"another user", Query{UserID: issued("u2")}, []string{"u2: "}},
		{"one record, paged", Query{ResourceID: issued("p1"), PageSize: 1}, []string{"u2: ", "u1:p1 "}},
		{"a time window", Query{Start: time.Date(2026, 3, 1, 12, 2, 0, 0, time.UTC), End: time.Date(2026, 3, 1, 12, 4, 0, 0, time.UTC)}, []string{"u1:p2 u1:p1 "}},
		{"from a time", Query{Start: time.Date(2026, 3, 1, 12, 5, 0, 0, time.UTC), PageSize: 1}, []string{"u2: ", "u1:p4 "}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.NewestFirst = true
			var got []string
			for range 10 {
				es, next, err := l.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var s string
				for _, e := range es {
					s += label(e.GetUserId()) + ":" + label(e.GetResourceId()) + " "
				}
				got = append(got, s)
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
}

// TestSearchNewestFirstWalksEverything: 1,000 entries, 900 of them one
// user's, paged by 100 newest first, with entries appended between pages:
// every entry that was there when the walk began comes once, newest
// first, and a rare user's three are found across the whole stream.
func TestSearchNewestFirstWalksEverything(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l, err := Open(ctx, n.JS, 1, func() time.Time { now = now.Add(time.Second); return now }, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	record := func(user, id string) {
		t.Helper()
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued(user), Action: "read", ResourceType: "participant", ResourceId: issued(id)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1000 {
		user := "many"
		switch {
		case i == 3 || i == 500 || i == 997:
			user = "rare"
		case i%10 == 0:
			user = "other"
		}
		record(user, fmt.Sprintf("r%04d", i))
	}
	q := Query{NewestFirst: true, PageSize: 100}
	var got []string
	for page := 0; ; page++ {
		es, next, err := l.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			got = append(got, label(e.GetResourceId()))
		}
		if next == "" {
			break
		}
		if page > 20 {
			t.Fatal("more pages than entries")
		}
		record("late", fmt.Sprintf("late%d", page))
		q.PageToken = next
	}
	if len(got) != 1000 {
		t.Fatalf("%d entries, want 1000 (each once)", len(got))
	}
	for i, id := range got {
		if want := fmt.Sprintf("r%04d", 999-i); id != want {
			t.Fatalf("entry %d is %s, want %s (newest first, each once)", i, id, want)
		}
	}
	es, next, err := l.Search(ctx, Query{NewestFirst: true, UserID: issued("rare"), PageSize: 2})
	if err != nil || next == "" || len(es) != 2 || label(es[0].GetResourceId()) != "r0997" || label(es[1].GetResourceId()) != "r0500" {
		t.Fatalf("the rare user's first page: %v %q %v", es, next, err)
	}
	es, next, err = l.Search(ctx, Query{NewestFirst: true, UserID: issued("rare"), PageSize: 2, PageToken: next})
	if err != nil || next != "" || len(es) != 1 || label(es[0].GetResourceId()) != "r0003" {
		t.Fatalf("the rare user's last page: %v %q %v", es, next, err)
	}
	if _, _, err := l.Search(ctx, Query{NewestFirst: true, PageToken: "x"}); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("a bad token newest first: %v, want invalid", err)
	}
}
