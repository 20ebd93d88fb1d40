package pairs

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/report"
)

func ts(s string) *timestamppb.Timestamp {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return timestamppb.New(t)
}

// TestReportResponse converts pairs in every state to the API's report,
// cell by cell. Above all: proposals and offers are not pairs.
func TestReportResponse(t *testing.T) {
	t.Parallel()
	period := report.Period{From: report.Month{Year: 2026, Month: time.March}, To: report.Month{Year: 2026, Month: time.April}}
	proposed := func(id, at string) *pb.Pair {
		return &pb.Pair{Id: id, MunicipalityCode: "0180", ParticipantGender: typev1.Gender_GENDER_WOMAN, ParticipantLanguage: "ar",
			Status: eventsv1.PairStatus_PAIR_STATUS_PROPOSED, ProposeTime: ts(at), ParticipantRegisterTime: ts("2026-01-01T10:00:00Z")}
	}
	offered := proposed("p-offered", "2026-03-02T10:00:00Z")
	offered.Status, offered.DecideTime, offered.OfferTime = eventsv1.PairStatus_PAIR_STATUS_OFFERED, ts("2026-03-03T10:00:00Z"), ts("2026-03-03T10:00:00Z")
	half := proposed("p-half", "2026-03-02T10:00:00Z") // one party accepted: still an offer
	half.Status, half.NewcomerAcceptTime = eventsv1.PairStatus_PAIR_STATUS_OFFERED, ts("2026-03-04T10:00:00Z")
	active := proposed("p-active", "2026-03-02T10:00:00Z")
	active.Status, active.ActiveTime = eventsv1.PairStatus_PAIR_STATUS_ACTIVE, ts("2026-03-31T22:30:00Z") // 1 April in Stockholm
	active.ParticipantGender, active.ParticipantLanguage = typev1.Gender_GENDER_UNSPECIFIED, "so"
	ended := proposed("p-ended", "2026-02-10T10:00:00Z")
	ended.Status, ended.MunicipalityCode = eventsv1.PairStatus_PAIR_STATUS_ENDED, "0880"
	ended.ActiveTime, ended.EndTime, ended.EndReason = ts("2026-02-20T10:00:00Z"), ts("2026-04-10T10:00:00Z"), eventsv1.EndReason_END_REASON_MOVED
	declined := proposed("p-declined", "2026-04-02T10:00:00Z")
	declined.Status, declined.DecideTime, declined.DeclineReason = eventsv1.PairStatus_PAIR_STATUS_DECLINED, ts("2026-04-05T10:00:00Z"), eventsv1.DeclineReason(1)
	rejected := proposed("p-rejected", "2026-01-02T10:00:00Z") // proposed before the period
	rejected.Status, rejected.DecideTime, rejected.RejectReason, rejected.MunicipalityCode = eventsv1.PairStatus_PAIR_STATUS_REJECTED, ts("2026-03-05T10:00:00Z"), eventsv1.RejectReason(1), "2584"

	tests := []struct {
		name  string
		pairs []*pb.Pair
		want  *pb.GetReportResponse
	}{
		{"empty input", nil, &pb.GetReportResponse{Totals: &pb.ReportCounts{}, MedianDaysToActive: -1, MeanDaysToActive: -1}},
		{"proposals and offers are not pairs", []*pb.Pair{
			proposed("p1", "2026-03-01T10:00:00Z"), proposed("p2", "2026-03-01T10:00:00Z"), offered, half,
		}, &pb.GetReportResponse{
			Rows:               []*pb.ReportRow{{Month: "2026-03", MunicipalityCode: "0180", Counts: &pb.ReportCounts{Proposed: 4, Offered: 1}}},
			Totals:             &pb.ReportCounts{Proposed: 4, Offered: 1},
			MedianDaysToActive: -1, MeanDaysToActive: -1,
			ByGender:   []*pb.ReportBreakdown{{Value: "woman", Counts: &pb.ReportCounts{Proposed: 4, Offered: 1}, MedianDaysToActive: -1}},
			ByLanguage: []*pb.ReportBreakdown{{Value: "ar", Counts: &pb.ReportCounts{Proposed: 4, Offered: 1}, MedianDaysToActive: -1}},
		}},
		{"every state", []*pb.Pair{offered, active, ended, declined, rejected}, &pb.GetReportResponse{
			Rows: []*pb.ReportRow{
				{Month: "2026-03", MunicipalityCode: "0180", Counts: &pb.ReportCounts{Proposed: 2, Offered: 1}},
				{Month: "2026-03", MunicipalityCode: "0880", Counts: &pb.ReportCounts{Active: 1}},
				// no row for 2584: its rejection has no count of its own
				{Month: "2026-04", MunicipalityCode: "0180", Counts: &pb.ReportCounts{Proposed: 1, Accepted: 1, Active: 1, Declined: 1}},
				{Month: "2026-04", MunicipalityCode: "0880", Counts: &pb.ReportCounts{Ended: 1, EndedEarly: 1}},
			},
			Totals:             &pb.ReportCounts{Proposed: 3, Offered: 1, Accepted: 1, Active: 1, Ended: 1, Declined: 1, EndedEarly: 1},
			MedianDaysToActive: 89, MeanDaysToActive: 89, // 1 January 10:00 to 31 March 22:30 UTC: 89.5 days
			ByGender: []*pb.ReportBreakdown{
				{Value: "", Counts: &pb.ReportCounts{Proposed: 1, Accepted: 1, Active: 1}, MedianDaysToActive: 89},
				{Value: "woman", Counts: &pb.ReportCounts{Proposed: 2, Offered: 1, Ended: 1, Declined: 1, EndedEarly: 1}, MedianDaysToActive: -1},
			},
			ByLanguage: []*pb.ReportBreakdown{
				{Value: "ar", Counts: &pb.ReportCounts{Proposed: 2, Offered: 1, Ended: 1, Declined: 1, EndedEarly: 1}, MedianDaysToActive: -1},
				{Value: "so", Counts: &pb.ReportCounts{Proposed: 1, Accepted: 1, Active: 1}, MedianDaysToActive: 89},
			},
			DeclineReasons: []*pb.ReasonCount{{Reason: eventsv1.DeclineReason(1).String(), Count: 1}},
			RejectReasons:  []*pb.ReasonCount{{Reason: eventsv1.RejectReason(1).String(), Count: 1}},
			EndReasons:     []*pb.ReasonCount{{Reason: "END_REASON_MOVED", Count: 1}},
		}},
		{"offers per month apart from proposals, new active and ended pairs", []*pb.Pair{
			// proposed in February, offered in March, active in April
			withTimes(proposed("o1", "2026-02-27T10:00:00Z"), eventsv1.PairStatus_PAIR_STATUS_ACTIVE, "2026-03-01T10:00:00Z", "2026-04-02T10:00:00Z"),
			// proposed and offered in March, still waiting for answers
			withTimes(proposed("o2", "2026-03-10T10:00:00Z"), eventsv1.PairStatus_PAIR_STATUS_OFFERED, "2026-03-11T10:00:00Z", ""),
			// offered at 23:30 UTC on 31 March: 1 April in Stockholm
			withTimes(proposed("o3", "2026-03-30T10:00:00Z"), eventsv1.PairStatus_PAIR_STATUS_OFFERED, "2026-03-31T22:30:00Z", ""),
		}, &pb.GetReportResponse{
			Rows: []*pb.ReportRow{
				{Month: "2026-03", MunicipalityCode: "0180", Counts: &pb.ReportCounts{Proposed: 2, Offered: 2}},
				{Month: "2026-04", MunicipalityCode: "0180", Counts: &pb.ReportCounts{Offered: 1, Accepted: 1, Active: 1}},
			},
			Totals:             &pb.ReportCounts{Proposed: 2, Offered: 3, Accepted: 1, Active: 1},
			MedianDaysToActive: 91, MeanDaysToActive: 91,
			ByGender:   []*pb.ReportBreakdown{{Value: "woman", Counts: &pb.ReportCounts{Proposed: 2, Offered: 3, Accepted: 1, Active: 1}, MedianDaysToActive: 91}},
			ByLanguage: []*pb.ReportBreakdown{{Value: "ar", Counts: &pb.ReportCounts{Proposed: 2, Offered: 3, Accepted: 1, Active: 1}, MedianDaysToActive: 91}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := make([]report.Record, 0, len(tt.pairs))
			for _, p := range tt.pairs {
				rs = append(rs, reportRecord(p))
			}
			got := reportResponse(rs, period)
			if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

// withTimes moves p to status with an offer time and (when not "") an
// active time.
func withTimes(p *pb.Pair, status eventsv1.PairStatus, offer, active string) *pb.Pair {
	p.Status, p.OfferTime, p.DecideTime = status, ts(offer), ts(offer)
	if active != "" {
		p.ActiveTime = ts(active)
	}
	return p
}

// TestReportRecordUnsetTimes: a pair that never became active or ended
// has no such times (an unset timestamp is not 1970).
func TestReportRecordUnsetTimes(t *testing.T) {
	t.Parallel()
	r := reportRecord(&pb.Pair{Status: eventsv1.PairStatus_PAIR_STATUS_PROPOSED, ProposeTime: ts("2026-03-01T10:00:00Z")})
	if !r.Active.IsZero() || !r.Ended.IsZero() || !r.Since.IsZero() || len(r.Events) != 1 || r.Events[0].Kind != kindProposed {
		t.Errorf("record = %+v, want only a proposal", r)
	}
	if _, ok := r.Wait(); ok {
		t.Error("a pair with no registration time has a wait")
	}
}
