package dinners

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/report"
)

// TestReportRowsByGroup: the rows by gender and language count the guests
// only. Before, every dinner offered landed in the group without a value
// ("gender=" with 303 dinners offered on the demo data) beside the guests
// whose gender is not recorded; now a dinner counts per municipality only
// and such a guest is in the group "unspecified".
func TestReportRowsByGroup(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	table := report.Record{Keys: map[string]string{dimMunicipality: "0180"}, Events: []report.Event{{Kind: kindOffered, At: at}, {Kind: kindOffered, At: at}}}
	seat := func(g typev1.Gender, lang string, size int32) report.Record {
		return guestRecord(&pb.Seating{MunicipalityCode: "0180", ParticipantGender: g, ParticipantLanguage: lang, PartySize: size,
			Status: eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED, Date: "2026-12-10", StartTime: "18:00"})
	}
	rs := []report.Record{table, seat(typev1.Gender_GENDER_UNSPECIFIED, "ti", 1), seat(typev1.Gender_GENDER_WOMAN, "ar", 3)}
	type row struct {
		Muni, Dim, Value      string
		Offered, Seated, Wait int32
	}
	var got []row
	for _, r := range reportRows(rs, report.Period{From: report.MonthOf(at), To: report.MonthOf(at)}) {
		got = append(got, row{r.GetMunicipalityCode(), r.GetDimension(), r.GetValue(), r.GetDinnersOffered(), r.GetGuestsSeated(), r.GetMedianWaitDays()})
	}
	want := []row{
		{Muni: "0180", Offered: 2, Seated: 4},
		{Dim: "gender", Value: "unspecified", Seated: 1},
		{Dim: "gender", Value: "woman", Seated: 3},
		{Dim: "language", Value: "ar", Seated: 3},
		{Dim: "language", Value: "ti", Seated: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
