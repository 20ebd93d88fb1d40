package report

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const day = 24 * time.Hour

// spring is March to May 2026 in Stockholm: it includes the change to
// summer time on 29 March.
var spring = Period{From: Month{2026, time.March}, To: Month{2026, time.May}}

func ev(kind, at string) Event { return Event{Kind: kind, At: utc(at)} }

func evr(kind, at, reason string) Event { return Event{Kind: kind, At: utc(at), Reason: reason} }

func events(kv ...any) map[string]int {
	m := map[string]int{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(int)
	}
	return m
}

var equateEmpty = cmpopts.EquateEmpty()

func TestTotal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []Record
		want Counts
	}{
		{"empty input", nil, Counts{}},
		{"one record proposed and active inside", []Record{{
			Events: []Event{ev("proposed", "2026-03-02T10:00:00Z"), ev("active", "2026-03-10T10:00:00Z")},
			Active: utc("2026-03-10T10:00:00Z"),
		}}, Counts{Events: events("proposed", 1, "active", 1), Active: 1}},
		{"events before and after the period are not counted", []Record{{
			Events: []Event{ev("proposed", "2026-02-28T22:59:59Z"), ev("ended", "2026-05-31T22:00:00Z")},
			Active: utc("2026-02-28T22:00:00Z"), Ended: utc("2026-05-31T22:00:00Z"),
		}}, Counts{Active: 1}}, // ended at the period's end instant: still running then
		{"ended inside the period is not active at its end", []Record{{
			Events: []Event{ev("ended", "2026-05-31T21:59:59Z")},
			Active: utc("2026-01-10T10:00:00Z"), Ended: utc("2026-05-31T21:59:59Z"),
		}}, Counts{Events: events("ended", 1)}},
		{"begun after the period is not active at its end", []Record{{
			Active: utc("2026-06-01T10:00:00Z"),
		}}, Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Total(tt.in, spring), equateEmpty); diff != "" {
				t.Errorf("Total (-want +got):\n%s", diff)
			}
		})
	}
}

func TestByMonth(t *testing.T) {
	t.Parallel()
	m := func(s string) Month { return month(s) }
	tests := []struct {
		name string
		in   []Record
		want []Cell
	}{
		{"empty input", nil, nil},
		{"one record, each event in its Stockholm month", []Record{{
			Keys: map[string]string{"municipality": "0180"},
			Events: []Event{
				ev("proposed", "2026-02-28T23:30:00Z"), // 00:30 on 1 March in Stockholm
				ev("active", "2026-03-31T22:30:00Z"),   // 00:30 on 1 April, summer time
			},
			Active: utc("2026-03-31T22:30:00Z"),
		}}, []Cell{
			{m("2026-03"), "0180", Counts{Events: events("proposed", 1)}},
			{m("2026-04"), "0180", Counts{Events: events("active", 1), Active: 1}},
			{m("2026-05"), "0180", Counts{Active: 1}},
		}},
		{"a month with nothing has no cell, values sorted, missing key is empty", []Record{
			{Keys: map[string]string{"municipality": "0880"}, Events: []Event{ev("proposed", "2026-05-02T10:00:00Z")}},
			{Keys: map[string]string{"municipality": "0180"}, Events: []Event{ev("proposed", "2026-05-03T10:00:00Z")}},
			{Events: []Event{ev("proposed", "2026-03-03T10:00:00Z"), ev("proposed", "2026-03-04T10:00:00Z")}},
		}, []Cell{
			{m("2026-03"), "", Counts{Events: events("proposed", 2)}},
			{m("2026-05"), "0180", Counts{Events: events("proposed", 1)}},
			{m("2026-05"), "0880", Counts{Events: events("proposed", 1)}},
		}},
		{"the stock: active at each month end until it ended", []Record{{
			Keys:   map[string]string{"municipality": "0180"},
			Events: []Event{ev("ended", "2026-04-15T10:00:00Z")},
			Active: utc("2026-01-15T10:00:00Z"), Ended: utc("2026-04-15T10:00:00Z"),
		}}, []Cell{
			{m("2026-03"), "0180", Counts{Active: 1}},
			{m("2026-04"), "0180", Counts{Events: events("ended", 1)}},
		}},
		{"ended exactly at a Stockholm month end still counts at that end", []Record{{
			Active: utc("2026-03-05T10:00:00Z"), Ended: utc("2026-03-31T22:00:00Z"),
		}}, []Cell{{m("2026-03"), "", Counts{Active: 1}}}},
		{"begun exactly at a month end counts from the next", []Record{{
			Active: utc("2026-03-31T22:00:00Z"),
		}}, []Cell{{m("2026-04"), "", Counts{Active: 1}}, {m("2026-05"), "", Counts{Active: 1}}}},
		{"outside the period: nothing", []Record{{
			Events: []Event{ev("proposed", "2026-06-01T10:00:00Z"), ev("proposed", "2025-06-01T10:00:00Z")},
			Active: utc("2026-06-01T10:00:00Z"),
		}, {
			Active: utc("2025-06-01T10:00:00Z"), Ended: utc("2026-01-01T10:00:00Z"),
		}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, ByMonth(tt.in, spring, "municipality"), equateEmpty); diff != "" {
				t.Errorf("ByMonth (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBreakdown(t *testing.T) {
	t.Parallel()
	since := utc("2026-01-01T10:00:00Z")
	rec := func(gender, active string) Record {
		r := Record{Keys: map[string]string{"gender": gender}, Since: since}
		if active != "" {
			r.Active = utc(active)
			r.Events = []Event{ev("active", active)}
		}
		return r
	}
	tests := []struct {
		name string
		in   []Record
		want []Group
	}{
		{"empty input", nil, nil},
		{"one record", []Record{rec("woman", "2026-03-11T10:00:00Z")}, []Group{
			{"woman", Counts{Events: events("active", 1), Active: 1}, Stats{N: 1, Median: 69 * day, Mean: 69 * day}},
		}},
		{"a group with nothing in the period is left out", []Record{
			rec("man", ""), rec("woman", "2026-03-11T10:00:00Z"),
		}, []Group{
			{"woman", Counts{Events: events("active", 1), Active: 1}, Stats{N: 1, Median: 69 * day, Mean: 69 * day}},
		}},
		{"waits per group, ties in the median", []Record{
			rec("woman", "2026-03-02T10:00:00Z"), // 60 days
			rec("woman", "2026-03-02T10:00:00Z"), // 60
			rec("woman", "2026-03-04T10:00:00Z"), // 62
			rec("woman", "2026-03-04T10:00:00Z"), // 62
			rec("", "2026-03-03T10:00:00Z"),      // 61, no gender given
		}, []Group{
			{"", Counts{Events: events("active", 1), Active: 1}, Stats{N: 1, Median: 61 * day, Mean: 61 * day}},
			{"woman", Counts{Events: events("active", 4), Active: 4}, Stats{N: 4, Median: 61 * day, Mean: 61 * day}},
		}},
		{"a match begun and ended inside the period with no events still has its wait", []Record{{
			Keys: map[string]string{"gender": "other"}, Since: since,
			Active: utc("2026-03-11T10:00:00Z"), Ended: utc("2026-03-20T10:00:00Z"),
		}}, []Group{{"other", Counts{}, Stats{N: 1, Median: 69 * day, Mean: 69 * day}}}},
		{"a match begun before the period is active but has no wait in it", []Record{
			rec("man", "2026-02-01T10:00:00Z"),
		}, []Group{{"man", Counts{Active: 1}, Stats{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Breakdown(tt.in, spring, "gender"), equateEmpty); diff != "" {
				t.Errorf("Breakdown (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWaits(t *testing.T) {
	t.Parallel()
	since := utc("2026-03-01T10:00:00Z")
	tests := []struct {
		name string
		in   []Record
		want Stats
	}{
		{"empty input", nil, Stats{}},
		{"unknown registration is left out", []Record{{Active: utc("2026-03-11T10:00:00Z")}}, Stats{}},
		{"never active is left out", []Record{{Since: since}}, Stats{}},
		{"active after the period is left out", []Record{{Since: since, Active: utc("2026-06-11T10:00:00Z")}}, Stats{}},
		{"one", []Record{{Since: since, Active: utc("2026-03-11T10:00:00Z")}}, Stats{N: 1, Median: 10 * day, Mean: 10 * day}},
		{"two: the median is their mean", []Record{
			{Since: since, Active: utc("2026-03-11T10:00:00Z")},
			{Since: since, Active: utc("2026-03-12T10:00:00Z")},
		}, Stats{N: 2, Median: 10*day + 12*time.Hour, Mean: 10*day + 12*time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Waits(tt.in, spring); got != tt.want {
				t.Errorf("Waits = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummarise(t *testing.T) {
	t.Parallel()
	decade := 3653 * day
	many := make([]time.Duration, 100_000)
	for i := range many {
		many[i] = decade
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Stats
	}{
		{"empty", nil, Stats{}},
		{"one", []time.Duration{3 * day}, Stats{1, 3 * day, 3 * day}},
		{"odd count, unsorted", []time.Duration{9 * day, 1 * day, 5 * day}, Stats{3, 5 * day, 5 * day}},
		{"even count takes the middle two's mean", []time.Duration{1 * day, 4 * day}, Stats{2, 60 * time.Hour, 60 * time.Hour}},
		{"ties in the middle", []time.Duration{2 * day, 1 * day, 1 * day, 2 * day}, Stats{4, 36 * time.Hour, 36 * time.Hour}},
		{"all equal", []time.Duration{day, day, day, day}, Stats{4, day, day}},
		{"odd nanoseconds do not lose a half", []time.Duration{1, 1}, Stats{2, 1, 0}},
		{"negative waits are kept", []time.Duration{-day, 3 * day}, Stats{2, day, day}},
		{"100,000 decades do not overflow the mean", many, Stats{100_000, decade, decade}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := append([]time.Duration(nil), tt.in...)
			if got := Summarise(in); got != tt.want {
				t.Errorf("Summarise = %+v, want %+v", got, tt.want)
			}
			if !cmp.Equal(in, tt.in, equateEmpty) {
				t.Errorf("Summarise changed its input")
			}
		})
	}
}

func TestDays(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 0, 23 * time.Hour: 0, day: 1, 47 * time.Hour: 1, -12 * time.Hour: 0, -25 * time.Hour: -1} {
		if got := Days(d); got != want {
			t.Errorf("Days(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestReasons(t *testing.T) {
	t.Parallel()
	in := []Record{
		{Events: []Event{evr("declined", "2026-03-02T10:00:00Z", "NO_TIME"), evr("ended", "2026-03-05T10:00:00Z", "COMPLETED")}},
		{Events: []Event{evr("declined", "2026-04-02T10:00:00Z", "MOVED")}},
		{Events: []Event{evr("declined", "2026-05-02T10:00:00Z", "NO_TIME")}},
		{Events: []Event{evr("declined", "2026-06-02T10:00:00Z", "NO_TIME")}}, // after the period
		{Events: []Event{ev("declined", "2026-05-03T10:00:00Z")}},             // no reason given
	}
	tests := []struct {
		kind string
		want []Count
	}{
		{"declined", []Count{{"", 1}, {"MOVED", 1}, {"NO_TIME", 2}}},
		{"ended", []Count{{"COMPLETED", 1}}},
		{"rejected", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Reasons(in, spring, tt.kind), equateEmpty); diff != "" {
			t.Errorf("Reasons(%s) (-want +got):\n%s", tt.kind, diff)
		}
	}
	if got := Reasons(nil, spring, "declined"); len(got) != 0 {
		t.Errorf("Reasons of nothing = %v", got)
	}
}

func TestCountBy(t *testing.T) {
	t.Parallel()
	state := func(r Record) (string, bool) { v, ok := r.Keys["state"]; return v, ok }
	tests := []struct {
		name string
		in   []Record
		want []Count
	}{
		{"empty input", nil, nil},
		{"one", []Record{{Keys: map[string]string{"state": "active"}}}, []Count{{"active", 1}}},
		{"per state, sorted, unknown left out", []Record{
			{Keys: map[string]string{"state": "proposed"}},
			{Keys: map[string]string{"state": "active"}},
			{Keys: map[string]string{"state": "proposed"}},
			{Keys: map[string]string{}},
		}, []Count{{"active", 1}, {"proposed", 2}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, CountBy(tt.in, state), equateEmpty); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
