package web

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestTellApart: namesakes (the same "Förnamn Efternamn, Kommun") get
// when they were registered, at the first precision that tells them
// apart: the day, the minute, the second, and for the same second the
// end of their id; a person whose label no one shares gets nothing
// (ADR 0132).
func TestTellApart(t *testing.T) {
	t.Parallel()
	at := func(s string) *timestamppb.Timestamp {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return timestamppb.New(tm)
	}
	anna, malmo := "Anna Andersson, Malmö", "Anna Andersson, Lund"
	for _, tt := range []struct {
		name string
		in   []namesake
		want map[string]string
	}{
		{"no namesakes", []namesake{{ID: "a", Label: anna, Registered: at("2026-03-14T09:00:00Z")}, {ID: "b", Label: malmo, Registered: at("2026-03-14T09:00:00Z")}}, map[string]string{}},
		{"other days", []namesake{{ID: "a", Label: anna, Registered: at("2026-03-14T09:00:00Z")}, {ID: "b", Label: anna, Registered: at("2026-09-02T09:00:00Z")}, {ID: "c", Label: "Bo Berg, Malmö", Registered: nil}},
			map[string]string{"a": "2026-03-14", "b": "2026-09-02"}},
		// 23:30 UTC is the next day in Stockholm, where the programmes run.
		{"Stockholm's day", []namesake{{ID: "a", Label: anna, Registered: at("2026-03-14T23:30:00Z")}, {ID: "b", Label: anna, Registered: at("2026-03-14T09:00:00Z")}},
			map[string]string{"a": "2026-03-15", "b": "2026-03-14"}},
		{"one day", []namesake{{ID: "a", Label: anna, Registered: at("2026-03-14T09:00:00Z")}, {ID: "b", Label: anna, Registered: at("2026-03-14T13:05:00Z")}},
			map[string]string{"a": "2026-03-14 10:00", "b": "2026-03-14 14:05"}},
		{"one minute", []namesake{{ID: "a", Label: anna, Registered: at("2026-03-14T09:00:01Z")}, {ID: "b", Label: anna, Registered: at("2026-03-14T09:00:02Z")}},
			map[string]string{"a": "2026-03-14 10:00:01", "b": "2026-03-14 10:00:02"}},
		{"one second", []namesake{{ID: "0190-aaaa", Label: anna, Registered: at("2026-03-14T09:00:01Z")}, {ID: "0190-bbbb", Label: anna, Registered: at("2026-03-14T09:00:01Z")},
			{ID: "0190-cccc", Label: anna, Registered: at("2026-03-14T09:00:03Z")}},
			map[string]string{"0190-aaaa": "2026-03-14 10:00:01, id …aaaa", "0190-bbbb": "2026-03-14 10:00:01, id …bbbb", "0190-cccc": "2026-03-14 10:00:03"}},
	} {
		if got := tellApart(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
