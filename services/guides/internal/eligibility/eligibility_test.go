package eligibility

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func defaults(t *testing.T) Criteria {
	t.Helper()
	r, err := Parse("default.yaml", DefaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	return r.Criteria
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	def := defaults(t)
	strict := def
	strict.FullTimeLeaveExcludes = true
	today := day("2026-12-03")
	tests := []struct {
		name     string
		c        Criteria
		in       Facts
		entitled bool
		reasons  []string
	}{
		{"entitled", def, Facts{PermitDate: day("2025-06-01"), Status: StatusEnrolled, Leave: LeaveNone}, true,
			[]string{"entitled: inside the 24-month establishment period until 2027-06-01", "entitled: in the establishment programme"}},
		{"permit too old", def, Facts{PermitDate: day("2024-12-03"), Status: StatusEnrolled}, false,
			[]string{"not entitled: permit older than 24 months"}},
		{"last day inside", def, Facts{PermitDate: day("2024-12-04"), Status: StatusEnrolled}, true,
			[]string{"entitled: inside the 24-month establishment period until 2026-12-04", "entitled: in the establishment programme"}},
		{"no permit", def, Facts{Status: StatusEnrolled}, false, []string{"not entitled: no residence permit recorded"}},
		{"future permit", def, Facts{PermitDate: day("2027-01-01"), Status: StatusEnrolled}, false, []string{"not entitled: permit date is in the future"}},
		{"not enrolled and old", def, Facts{PermitDate: day("2020-01-01"), Status: StatusNotEnrolled}, false,
			[]string{"not entitled: permit older than 24 months", "not entitled: not in the establishment programme"}},
		{"completed", def, Facts{PermitDate: day("2026-01-01"), Status: StatusCompleted}, false,
			[]string{"not entitled: has left or completed the establishment programme"}},
		{"status unknown", def, Facts{PermitDate: day("2026-01-01")}, false,
			[]string{"not entitled: establishment programme status not recorded"}},
		{"parental leave does not exclude by default", def, Facts{PermitDate: day("2026-01-01"), Status: StatusEnrolled, Leave: LeaveFullTime}, true,
			[]string{"entitled: inside the 24-month establishment period until 2028-01-01", "entitled: in the establishment programme", "entitled: full-time parental leave does not exclude"}},
		{"rule changed: full-time leave excludes", strict, Facts{PermitDate: day("2026-01-01"), Status: StatusEnrolled, Leave: LeaveFullTime}, false,
			[]string{"not entitled: on full-time parental leave, which the rules exclude"}},
		{"rule changed: part-time leave still fine", strict, Facts{PermitDate: day("2026-01-01"), Status: StatusEnrolled, Leave: LeavePartTime}, true,
			[]string{"entitled: inside the 24-month establishment period until 2028-01-01", "entitled: in the establishment programme", "entitled: part-time parental leave does not exclude"}},
		{"nothing required", Criteria{EstablishmentMonths: 24}, Facts{}, true, []string{"entitled: no rule excludes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Evaluate(tt.c, tt.in, today)
			if got.Entitled != tt.entitled {
				t.Errorf("entitled = %t, want %t", got.Entitled, tt.entitled)
			}
			if diff := cmp.Diff(tt.reasons, got.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEvaluateOnStockholmsDay: the day the rules count is Stockholm's,
// as the follow-up page's: at 00:30 in Sweden (23:30 UTC the day before)
// a period that ended at midnight is over, and a permit dated that day
// is not in the future (ADR 0143).
func TestEvaluateOnStockholmsDay(t *testing.T) {
	t.Parallel()
	def := defaults(t)
	for _, now := range []time.Time{
		time.Date(2026, 12, 4, 23, 30, 0, 0, time.UTC), // 00:30 CET on 5 December
		time.Date(2026, 7, 4, 22, 30, 0, 0, time.UTC),  // 00:30 CEST on 5 July
	} {
		today := now.AddDate(0, 0, 1).Format(time.DateOnly) // Stockholm's day
		ended := day(today).AddDate(0, -24, 0)
		if got := Evaluate(def, Facts{PermitDate: ended, Status: StatusEnrolled}, now); got.Entitled {
			t.Errorf("%s, permit %s: entitled (%v); want the period over since midnight", now, ended.Format(time.DateOnly), got.Reasons)
		}
		if got := Evaluate(def, Facts{PermitDate: day(today), Status: StatusEnrolled}, now); !got.Entitled {
			t.Errorf("%s, permit dated %s: %v; want entitled, not a permit in the future", now, today, got.Reasons)
		}
	}
}

func TestDefaultParentalLeaveDoesNotExclude(t *testing.T) {
	t.Parallel()
	c := defaults(t)
	if c.FullTimeLeaveExcludes || c.PartTimeLeaveExcludes {
		t.Fatalf("default criteria exclude parental leave: %+v", c)
	}
	if c.EstablishmentMonths != 24 || !c.RequirePermit || !c.RequireEnrolled {
		t.Fatalf("default criteria = %+v, want 24 months, permit and programme required", c)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	bad := strings.NewReplacer(
		"establishment_months: 24", "establishment_months: 99",
		"require_enrolled: true", "require_enrolled: yes please",
		"  base: 100", "  base: 100\n  colour: 3",
	).Replace(string(DefaultYAML))
	_, err := Parse("org.yaml", []byte(bad))
	if err == nil {
		t.Fatal("no error")
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is no LoadError", err)
	}
	for _, want := range []string{
		"org.yaml:10: eligibility.establishment_months: must be a whole number from 1 to 60",
		"org.yaml:11: eligibility.require_enrolled: must be true or false",
		"assignment.colour: unknown field",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := Parse("x.yaml", []byte("version: a\n")); err == nil || !strings.Contains(err.Error(), "x.yaml:1: eligibility: is required") {
		t.Errorf("missing sections: %v", err)
	}
	if _, err := Parse("x.yaml", []byte("version: [\n")); err == nil || !strings.Contains(err.Error(), "x.yaml:") {
		t.Errorf("syntax error: %v", err)
	}
}

func TestLoadDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	strict := strings.Replace(string(DefaultYAML), "full_time_parental_leave_excludes: false", "full_time_parental_leave_excludes: true", 1)
	if err := os.WriteFile(filepath.Join(dir, "org-1.yaml"), []byte(strict), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !s.For("org-1").Criteria.FullTimeLeaveExcludes || s.For("other").Criteria.FullTimeLeaveExcludes {
		t.Errorf("per-organisation rules not applied: %+v", s.ByOrg)
	}
	if s.For("org-1").Digest() == s.For("other").Digest() {
		t.Error("different rules have the same digest")
	}
	if err := os.WriteFile(filepath.Join(dir, "bad name!.yaml"), DefaultYAML, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil {
		t.Error("a bad file name loads")
	}
}
