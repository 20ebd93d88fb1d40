package report

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/motesplats/motesplats/pkg/apperr"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func month(s string) Month {
	m, ok := ParseMonth(s)
	if !ok {
		panic(s)
	}
	return m
}

func TestMonthOf(t *testing.T) {
	t.Parallel()
	// 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
	tests := []struct {
		name, at, want string
	}{
		{"winter, last minute of February in Sweden", "2026-02-28T22:59:59Z", "2026-02"},
		{"winter, first minute of March in Sweden though February in UTC", "2026-02-28T23:00:00Z", "2026-03"},
		{"summer, last second of March in Sweden", "2026-03-31T21:59:59Z", "2026-03"},
		{"summer, April in Sweden at 22:00 UTC", "2026-03-31T22:00:00Z", "2026-04"},
		{"summer, last second of September", "2026-09-30T21:59:59Z", "2026-09"},
		{"October in winter time after the change", "2026-10-31T22:59:59Z", "2026-10"},
		{"November in Sweden", "2026-10-31T23:00:00Z", "2026-11"},
		{"new year in Sweden, old year in UTC", "2026-12-31T23:00:00Z", "2027-01"},
		{"the night of the spring change", "2026-03-29T01:30:00Z", "2026-03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := MonthOf(utc(tt.at)).String(); got != tt.want {
				t.Errorf("MonthOf(%s) = %s, want %s", tt.at, got, tt.want)
			}
		})
	}
}

func TestMonthStartAndLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		month, start string
		hours        float64
	}{
		{"2026-01", "2025-12-31T23:00:00Z", 744},
		{"2026-02", "2026-01-31T23:00:00Z", 672},
		{"2026-03", "2026-02-28T23:00:00Z", 743}, // clocks forward: one hour short
		{"2026-04", "2026-03-31T22:00:00Z", 720},
		{"2026-10", "2026-09-30T22:00:00Z", 745}, // clocks back: one hour long
		{"2028-02", "2028-01-31T23:00:00Z", 696}, // leap year
	}
	for _, tt := range tests {
		m := month(tt.month)
		if got := m.Start(); !got.Equal(utc(tt.start)) {
			t.Errorf("%s.Start() = %s, want %s", tt.month, got.UTC(), tt.start)
		}
		if got := m.Add(1).Start().Sub(m.Start()).Hours(); got != tt.hours {
			t.Errorf("%s is %v hours long, want %v", tt.month, got, tt.hours)
		}
	}
}

func TestMonthAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-01", 0, "2026-01"},
		{"2026-01", -1, "2025-12"},
		{"2026-12", 1, "2027-01"},
		{"2026-01", 12, "2027-01"},
		{"2026-01", -13, "2024-12"},
		{"2026-06", -11, "2025-07"},
		{"2026-06", 120, "2036-06"},
	}
	for _, tt := range tests {
		if got := month(tt.from).Add(tt.n).String(); got != tt.want {
			t.Errorf("%s.Add(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestParseMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in string
		ok bool
	}{
		{"2026-03", true},
		{"1000-01", true},
		{"9999-12", true},
		{"", false},
		{"2026-13", false},
		{"2026-00", false},
		{"2026-1", false},
		{"26-01", false},
		{"0999-12", false},
		{"2026-03-01", false},
		{" 2026-03", false},
		{"2026/03", false},
	}
	for _, tt := range tests {
		m, ok := ParseMonth(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseMonth(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
		if ok && (m.String() != tt.in || !m.Valid()) {
			t.Errorf("ParseMonth(%q) = %s valid %v", tt.in, m, m.Valid())
		}
	}
	if (Month{}).Valid() {
		t.Error("the zero Month is valid")
	}
}

func TestPeriod(t *testing.T) {
	t.Parallel()
	p := Period{From: month("2026-03"), To: month("2026-04")}
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Time{}, false},
		{utc("2026-02-28T22:59:59Z"), false},
		{utc("2026-02-28T23:00:00Z"), true}, // the first instant is inside
		{utc("2026-04-30T21:59:59Z"), true},
		{utc("2026-04-30T22:00:00Z"), false}, // the end is exclusive
	}
	for _, tt := range tests {
		if got := p.Contains(tt.at); got != tt.want {
			t.Errorf("Contains(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
	if got, want := p.Months(), []Month{month("2026-03"), month("2026-04")}; !cmp.Equal(got, want) {
		t.Errorf("Months() = %v, want %v", got, want)
	}
	if got := (Period{From: month("2026-05"), To: month("2026-04")}).Months(); len(got) != 0 {
		t.Errorf("an inverted period has months %v", got)
	}
	if got, want := LastMonths(utc("2026-12-31T23:30:00Z"), 12), (Period{month("2026-02"), month("2027-01")}); got != want {
		t.Errorf("LastMonths on Stockholm's new year = %v, want %v", got, want)
	}
}

func TestCheckPeriod(t *testing.T) {
	t.Parallel()
	now := utc("2026-12-03T11:00:00Z")
	tests := []struct {
		name, from, to string
		want           Period
		fields         []string
	}{
		{"defaults: twelve months", "", "", Period{month("2026-01"), month("2026-12")}, nil},
		{"from only", "2026-06", "", Period{month("2026-06"), month("2026-12")}, nil},
		{"to only", "", "2026-01", Period{month("2026-01"), month("2026-01")}, nil},
		{"one month", "2026-03", "2026-03", Period{month("2026-03"), month("2026-03")}, nil},
		{"ten years", "2016-03", "2026-03", Period{month("2016-03"), month("2026-03")}, nil},
		{"ten years and a month", "2016-03", "2026-04", Period{}, []string{"to_month"}},
		{"to before from", "2026-03", "2026-02", Period{}, []string{"to_month"}},
		{"bad from", "2026-13", "", Period{}, []string{"from_month"}},
		{"both bad", "march", "2026-3", Period{}, []string{"from_month", "to_month"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v apperr.Validator
			got := CheckPeriod(&v, tt.from, tt.to, now)
			var fields []string
			for _, fv := range apperr.Violations(v.Err()) {
				fields = append(fields, fv.Field)
			}
			if !cmp.Equal(fields, tt.fields) {
				t.Fatalf("violations on %v, want %v", fields, tt.fields)
			}
			if tt.fields == nil && got != tt.want {
				t.Errorf("period = %v, want %v", got, tt.want)
			}
		})
	}
}
