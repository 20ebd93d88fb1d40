package volunteer

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestBirthYearIsSwedensYear (ADR 0207): the youngest birth year is this
// year less MinAge, this year being Sweden's. At 23:30 UTC on 31 December
// it is 00:30 on 1 January in Stockholm, so someone born 16 years before
// the new year may register, as the gateway's form offers; an hour
// earlier it is still the old year there too.
func TestBirthYearIsSwedensYear(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		now        time.Time
		year, last int32 // last: the youngest year the refusal names
		ok         bool
	}{
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), 2011, 2011, true},
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), 2012, 2011, false},
		{time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), 2011, 2010, false},
		{time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), 2010, 2010, true},
	} {
		var e apperr.Validator
		validate(&e, "volunteer", &pb.Volunteer{BirthYear: tc.year}, tc.now)
		refused := false
		for _, fv := range apperr.Violations(e.Err()) {
			if fv.Field != "volunteer.birth_year" {
				continue
			}
			refused = true
			if want := "and " + strconv.Itoa(int(tc.last)); !strings.Contains(fv.Description, want) {
				t.Errorf("at %s the refusal %q lacks %q", tc.now, fv.Description, want)
			}
		}
		if refused == tc.ok {
			t.Errorf("birth year %d at %s: refused %v, want %v", tc.year, tc.now, refused, !tc.ok)
		}
	}
}
