package web

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestTimesInStockholm: the mailbox, a person's and a pair's messages, the
// audit log and the dead letters show a moment as the pair history and the
// jobs do, in Stockholm's time, so one approval does not read 03:35 in one
// table and 04:35 in the next.
func TestTimesInStockholm(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 4, 3, 35, 47, 0, time.UTC) // 04:35:47 in Stockholm (CET)
	got := funcs["time"].(func(interface{ AsTime() time.Time }) string)(timestamppb.New(at))
	if got != "2026-12-04 04:35:47" {
		t.Errorf("time(%v) = %q, want 2026-12-04 04:35:47", at, got)
	}
	local := pairFuncs("sv")["localTime"].(func(time.Time) string)(at)
	if got[:len(local)] != local {
		t.Errorf("time %q and the pair history's %q disagree", got, local)
	}
	summer := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC) // 12:00 in Stockholm (CEST)
	if got := funcs["time"].(func(interface{ AsTime() time.Time }) string)(timestamppb.New(summer)); got != "2026-07-01 12:00:00" {
		t.Errorf("time(%v) = %q, want 2026-07-01 12:00:00", summer, got)
	}
}

// TestAuditFilterErrorsNameTheField: a bad time in the audit log's filter
// is reported under the field's label ("Från: måste vara ett datum och en
// tid"), not its form name ("from: ...").
func TestAuditFilterErrorsNameTheField(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ locale, field, want string }{
		{"sv", "from", "Från"}, {"sv", "to", "Till"}, {"en", "from", "From"}, {"en", "to", "To"},
	} {
		if got := fieldLabel(&page{Lang: tt.locale}, tt.field); got != tt.want {
			t.Errorf("%s: label of %q = %q, want %q", tt.locale, tt.field, got, tt.want)
		}
	}
}
