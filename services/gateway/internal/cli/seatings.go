package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

func startDinnerJob(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners jobs start", flag.ContinueOnError)
	org := fs.String("organisation", "", "organisation id (admins)")
	munis := fs.String("municipalities", "", "municipality codes, comma separated (default: all of yours)")
	follow := fs.Bool("follow", false, "follow the job's progress to the end")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := d.StartDinnerJob(ctx, connect.NewRequest(&gatewayv1.StartDinnerJobRequest{
		RequestId: ids.UUIDv7{}.New(), OrganisationId: *org, MunicipalityCodes: splitCSV(*munis)}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetJob().GetId())
	if *follow {
		return watchDinnerJob(ctx, d, res.Msg.GetJob().GetId(), e)
	}
	return nil
}

// jobLine is one line of a job's progress.
func jobLine(j *dinnersv1.Job) string {
	return fmt.Sprintf("%3d%% %s %s", j.GetProgressPercent(), strings.ToLower(strings.TrimPrefix(j.GetState().String(), "JOB_STATE_")), j.GetPhase())
}

// watchDinnerJob follows the job's stream, printing each change, and the
// result once it finishes.
func watchDinnerJob(ctx context.Context, d dinnersClient, id string, e env) error {
	st, err := d.WatchDinnerJob(ctx, connect.NewRequest(&gatewayv1.WatchDinnerJobRequest{Id: id}))
	if err != nil {
		return err
	}
	defer st.Close()
	last := ""
	for st.Receive() {
		j := st.Msg().GetJob()
		if line := jobLine(j); line != last {
			fmt.Fprintln(e.Out, line)
			last = line
		}
		switch j.GetState() {
		case dinnersv1.JobState_JOB_STATE_SUCCEEDED:
			k := j.GetCounts()
			fmt.Fprintf(e.Out, "seatings proposed: %d, parties unseated: %d, gap to the proven bound: %.2f%%\n",
				k.GetProposals(), k.GetUnseated(), float64(j.GetGapPpm())/1e4)
			return nil
		case dinnersv1.JobState_JOB_STATE_FAILED:
			return errors.New("the job failed; try again, and tell your administrator if it keeps failing")
		}
	}
	if err := st.Err(); err != nil {
		return err
	}
	return errors.New("the job's progress stream ended before the job did; run mp dinners jobs watch " + id)
}

func listDinnerJobs(ctx context.Context, d dinnersClient, e env) error {
	return pages(func(token string) (string, error) {
		res, err := d.ListDinnerJobs(ctx, connect.NewRequest(&gatewayv1.ListDinnerJobsRequest{PageSize: 200, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, j := range res.Msg.GetJobs() {
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%d proposed, %d unseated\n", j.GetId(), localtime.Stamp(j.GetCreateTime()),
				jobLine(j), j.GetCounts().GetProposals(), j.GetCounts().GetUnseated())
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

func listUnseated(ctx context.Context, d dinnersClient, job string, e env) error {
	return pages(func(token string) (string, error) {
		res, err := d.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: job, PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, u := range res.Msg.GetUnseated() {
			fmt.Fprintf(e.Out, "%s\t%s\tparty %d\t%s\n", u.GetSignUpId(), u.GetMunicipalityCode(), u.GetPartySize(),
				strings.ToLower(strings.TrimPrefix(u.GetReason().String(), "UNSEATED_REASON_")))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

func listSeatings(ctx context.Context, d dinnersClient, args []string, e env, status string) error {
	fs := flag.NewFlagSet("dinners seatings list", flag.ContinueOnError)
	job := fs.String("job", "", "only seatings of this job")
	statusF := fs.String("status", status, "only these statuses: PROPOSED, INVITED, CONFIRMED, HELD, ...")
	offer := fs.String("offer", "", "only seatings at this offer's dinners")
	signUp := fs.String("signup", "", "only seatings of this sign-up")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ns, err := enumList("status", *statusF, "SEATING_STATUS_", eventsv1.SeatingStatus_value)
	if err != nil {
		return err
	}
	statuses := make([]eventsv1.SeatingStatus, len(ns))
	for k, n := range ns {
		statuses[k] = eventsv1.SeatingStatus(n)
	}
	return pages(func(token string) (string, error) {
		res, err := d.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: *job, Statuses: statuses, OfferId: *offer,
			SignUpId: *signUp, PageSize: 200, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetSeatings() {
			s := v.GetSeating()
			var why []string
			for _, p := range s.GetScoreParts() {
				why = append(why, fmt.Sprintf("%s=%d", p.GetRule(), p.GetPoints()))
			}
			fmt.Fprintf(e.Out, "%s\t%s (%d) at %s\t%s %s\t%s\tscore %d (%s)\n", s.GetId(), v.GetParticipantName(), s.GetPartySize(), v.GetHostName(),
				s.GetDate(), s.GetStartTime(), seatingStatus(s), s.GetScore(), strings.Join(why, " "))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

func seatingStatus(s *dinnersv1.Seating) string {
	return strings.ToLower(strings.TrimPrefix(s.GetStatus().String(), "SEATING_STATUS_"))
}

// changeSeating runs approve, reject, rsvp, cancel, attendance or
// feedback on one seating.
func changeSeating(ctx context.Context, d dinnersClient, what string, args []string, e env) error {
	fs := flag.NewFlagSet("dinners "+what, flag.ContinueOnError)
	reason := fs.String("reason", "", "why the proposal is rejected: POOR_FIT, CONFLICT_OF_INTEREST, LOGISTICS, NOT_AVAILABLE, OTHER")
	partyF := fs.String("party", "", "GUEST or HOST")
	decline := fs.String("decline", "", "decline, because: DATE, DISTANCE, ILLNESS, HOUSEHOLD, NOT_INTERESTED, OTHER")
	rating := fs.Int("rating", 0, "overall, 1 to 5")
	again := fs.Bool("meet-again", false, "would meet again")
	practised := fs.Bool("practised", false, "Swedish was practised")
	first := fs.Bool("first-time", false, "the guest's first time in a Swedish home")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if what == "attendance" && len(rest) != 2 || what != "attendance" && len(rest) != 1 {
		return fmt.Errorf("usage: see mp help (mp dinners %s)", what)
	}
	id := rest[0]
	p := eventsv1.DinnerParty_DINNER_PARTY_UNSPECIFIED
	if what == "rsvp" || what == "feedback" {
		n, err := enumFlag("party", *partyF, "DINNER_PARTY_", eventsv1.DinnerParty_value)
		if err != nil {
			return err
		}
		p = eventsv1.DinnerParty(n)
	}
	var v *gatewayv1.SeatingView
	var err error
	switch what {
	case "approve":
		var res *connect.Response[gatewayv1.ApproveSeatingResponse]
		if res, err = d.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id})); err == nil {
			v = res.Msg.GetSeating()
		}
	case "reject":
		r, rerr := enumFlag("reason", *reason, "REJECT_REASON_", proposalv1.RejectReason_value)
		if rerr != nil {
			return rerr
		}
		var res *connect.Response[gatewayv1.RejectSeatingResponse]
		if res, err = d.RejectSeating(ctx, connect.NewRequest(&gatewayv1.RejectSeatingRequest{Id: id, Reason: proposalv1.RejectReason(r)})); err == nil {
			v = res.Msg.GetSeating()
		}
	case "rsvp":
		req := &gatewayv1.RecordRsvpRequest{Id: id, Party: p, Accept: *decline == ""}
		if *decline != "" {
			r, rerr := enumFlag("decline", *decline, "RSVP_DECLINE_REASON_", eventsv1.RsvpDeclineReason_value)
			if rerr != nil {
				return rerr
			}
			req.DeclineReason = eventsv1.RsvpDeclineReason(r)
		}
		var res *connect.Response[gatewayv1.RecordRsvpResponse]
		if res, err = d.RecordRsvp(ctx, connect.NewRequest(req)); err == nil {
			v = res.Msg.GetSeating()
		}
	case "cancel":
		var res *connect.Response[gatewayv1.CancelSeatingResponse]
		if res, err = d.CancelSeating(ctx, connect.NewRequest(&gatewayv1.CancelSeatingRequest{Id: id})); err == nil {
			v = res.Msg.GetSeating()
		}
	case "attendance":
		ns, aerr := enumList("attendance", rest[1], "ATTENDANCE_", eventsv1.Attendance_value)
		if aerr != nil {
			return aerr
		}
		req := &gatewayv1.RecordAttendanceRequest{Id: id}
		for k, n := range ns {
			req.Attendance = append(req.Attendance, &dinnersv1.GuestAttendance{Member: int32(k), Attendance: eventsv1.Attendance(n)})
		}
		var res *connect.Response[gatewayv1.RecordAttendanceResponse]
		if res, err = d.RecordAttendance(ctx, connect.NewRequest(req)); err == nil {
			v = res.Msg.GetSeating()
		}
	case "feedback":
		fb := &dinnersv1.Feedback{Rating: int32(*rating), WouldMeetAgain: *again, LanguagePractised: *practised, FirstTimeInSwedishHome: *first}
		var res *connect.Response[gatewayv1.RecordFeedbackResponse]
		if res, err = d.RecordFeedback(ctx, connect.NewRequest(&gatewayv1.RecordFeedbackRequest{Id: id, Party: p, Feedback: fb})); err == nil {
			v = res.Msg.GetSeating()
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s %s\n", v.GetSeating().GetId(), seatingStatus(v.GetSeating()))
	return nil
}

func waitlist(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners waitlist", flag.ContinueOnError)
	org := fs.String("organisation", "", "organisation id (admins)")
	munis := fs.String("municipalities", "", "municipality codes, comma separated (default: all of yours)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := d.GetDinnerWaitlist(ctx, connect.NewRequest(&gatewayv1.GetDinnerWaitlistRequest{OrganisationId: *org, MunicipalityCodes: splitCSV(*munis)}))
	if err != nil {
		return err
	}
	for _, r := range res.Msg.GetWaitlist().GetRows() {
		fmt.Fprintf(e.Out, "%s\t%s (%s) waiting, median %s, longest %s\t%s\t%s needed\n",
			r.GetMunicipalityCode(), count(r.GetParties(), "party", "parties"), count(r.GetGuests(), "guest", "guests"),
			count(r.GetMedianWaitDays(), "day", "days"), count(r.GetMaxWaitDays(), "day", "days"),
			count(r.GetFreeSeats(), "free seat", "free seats"), count(r.GetSeatsNeeded(), "more host seat", "more host seats"))
		for _, n := range r.GetNeedByDate() {
			fmt.Fprintf(e.Out, "\t%s\t%s\n", n.GetDate(), count(n.GetSeats(), "seat", "seats"))
		}
	}
	return nil
}

// dinnerReport prints the report's rows, or saves its CSV (the web app's
// export) with -csv.
func dinnerReport(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("dinners report", flag.ContinueOnError)
	from := fs.String("from", "", "first month, YYYY-MM (default: twelve months back)")
	to := fs.String("to", "", "last month, YYYY-MM (default: this month)")
	asCSV := fs.Bool("csv", false, "the report as CSV")
	outPath := fs.String("o", "", "with -csv: write to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *asCSV {
		q := url.Values{"from_month": {*from}, "to_month": {*to}}
		return downloadCSV(ctx, c, "/dinners/report.csv?"+q.Encode(), *outPath, e)
	}
	res, err := c.dinners.GetDinnerReport(ctx, connect.NewRequest(&gatewayv1.GetDinnerReportRequest{FromMonth: *from, ToMonth: *to}))
	if err != nil {
		return err
	}
	var w io.Writer = e.Out
	fmt.Fprintln(w, "month\tmunicipality\tgroup\toffered\theld\tseated\tattended\tfirst time ‰\tno-show ‰\tlate cancel ‰\tmedian wait days")
	for _, r := range res.Msg.GetReport().GetRows() {
		group := r.GetDimension()
		if group != "" {
			group += "=" + r.GetValue()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", r.GetMonth(), r.GetMunicipalityCode(), group, r.GetDinnersOffered(), r.GetDinnersHeld(),
			r.GetGuestsSeated(), r.GetGuestsAttended(), r.GetFirstTimePerMille(), r.GetNoShowPerMille(), r.GetLateCancelPerMille(), r.GetMedianWaitDays())
	}
	return nil
}
