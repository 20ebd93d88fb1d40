package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"strings"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

func startDinnerJob(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners jobs start", flag.ContinueOnError)
	org := fs.String("organisation", "", e.t("flag.organisation"))
	munis := municipalitiesFlag(fs, "municipalities", e.t("flag.jobStart.municipalities"))
	follow := fs.Bool("follow", false, e.t("flag.follow"))
	if err := e.parse(fs, args); err != nil {
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

// dinnerJobLine is one line of a dinner job's progress, in words.
func (e Env) dinnerJobLine(j *dinnersv1.Job) string {
	return e.jobLine(j.GetProgressPercent(), e.code("dinners.state.", j.GetState().String(), "JOB_STATE_"), e.code("dinners.phase.", j.GetPhase(), ""))
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
		if line := e.withAttempts(e.dinnerJobLine(j), j.GetAttempts(), false, false); line != last {
			fmt.Fprintln(e.Out, line)
			last = line
		}
		switch j.GetState() {
		case dinnersv1.JobState_JOB_STATE_SUCCEEDED:
			fmt.Fprintln(e.Out, e.withAttempts(e.dinnerJobResult(j), j.GetAttempts(), true, false))
			return dinnerJobNone(ctx, d, j, e)
		case dinnersv1.JobState_JOB_STATE_FAILED:
			return errors.New(e.withAttempts(e.t("m.failed"), j.GetAttempts(), false, true))
		}
	}
	if err := st.Err(); err != nil {
		return err
	}
	return errors.New(e.f("err.stream_ended", "mp dinners jobs watch "+id))
}

func listDinnerJobs(ctx context.Context, d dinnersClient, e env) error {
	return pages(func(token string) (string, error) {
		res, err := d.ListDinnerJobs(ctx, connect.NewRequest(&gatewayv1.ListDinnerJobsRequest{PageSize: 200, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, j := range res.Msg.GetJobs() {
			done := j.GetState() == dinnersv1.JobState_JOB_STATE_SUCCEEDED
			k := j.GetCounts()
			counts := e.f("dinners.job.counts", k.GetProposals(), k.GetUnseated())
			if k.GetExcludedPairs() > 0 {
				// The pairs proposed before, as the web's line (ADR 0257).
				counts += e.f("dinners.job.counts_excluded", k.GetExcludedPairs())
			}
			if done && k.GetUnseated() > 0 {
				// The page the web links from the job's line (ADR 0232),
				// so the parties can be opened from here too (ADR 0236).
				counts += e.f("dinners.job.counts_link", e.webURL("/dinners/jobs/"+url.PathEscape(j.GetId())+"/unseated"))
			}
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", j.GetId(), localtime.Stamp(j.GetCreateTime()),
				e.withAttempts(e.dinnerJobLine(j), j.GetAttempts(), done, j.GetState() == dinnersv1.JobState_JOB_STATE_FAILED), counts)
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// listUnseated prints the parties dinners job left out, each with why
// and who holds the seats at the full dinners that fit it (ADR 0171),
// then what frees the seats open proposals hold, when any does; each
// party by its newcomer, "Förnamn Efternamn, Kommun" (ADR 0220, 0223),
// a newcomer with a namesake the user may see with when they were
// registered, over the whole list as the other lists mark (ADR 0200,
// 0228): two Leila Haddad of one municipality read as one newcomer.
func listUnseated(ctx context.Context, d dinnersClient, ask askNamesakes, job string, e env) error {
	var parties []*dinnersv1.UnseatedParty
	names := map[string]string{}
	err := pages(func(token string) (string, error) {
		res, err := d.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: job, PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		parties = append(parties, res.Msg.GetUnseated()...)
		maps.Copy(names, res.Msg.GetParticipantNames())
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	// A party names no registration time, so its newcomer is marked from
	// the namesakes' groups, as the sign-ups list marks them (a gateway
	// from before ADR 0228 names no newcomer id: no mark, as before).
	label := map[string]string{}
	for _, u := range parties {
		if n := names[u.GetSignUpId()]; n != "" && u.GetParticipantId() != "" {
			label[u.GetParticipantId()] = n + ", " + u.GetMunicipalityCode()
		}
	}
	told, err := groupsTold(label, false, ask)
	if err != nil {
		return err
	}
	byProposals := false
	for _, u := range parties {
		why := e.code("unseated.", u.GetReason().String(), "UNSEATED_REASON_")
		// Who holds the seats at the full dinners that fit the party
		// (ADR 0171).
		if f := u.GetFullDinners(); f != nil {
			byProposals = byProposals || f.GetDinners() > 0 && f.GetSeatsHeldByProposals() > 0
			if held := catalog.FullDinners(e.words().lang, f.GetDinners(), f.GetSeatsHeldByProposals(), f.GetSeatsHeldByApproved()); held != "" {
				why += ". " + held
			}
		}
		// Who, as every list names a person (ADR 0220): the sign-up id
		// alone named no one (ADR 0223).
		who := apart.Named(e.nameOrGone(names[u.GetSignUpId()]), u.GetMunicipalityCode())
		if names[u.GetSignUpId()] != "" {
			who = e.apart(who, told[u.GetParticipantId()])
		}
		fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", u.GetSignUpId(), who, count(u.GetPartySize(), e.t("n.person"), e.t("n.people")), why)
	}
	printFreeHint(e.Out, e, "dinners", byProposals)
	return nil
}

// listSeatings prints the seatings, the guest and the host named as the
// registers name them, "Förnamn Efternamn, Kommun" (the seating's
// municipality; ADR 0220), a guest or a host with a namesake
// (over the whole scope, page by page) with when they were registered
// (ADR 0200, 0209).
func listSeatings(ctx context.Context, d dinnersClient, ask askNamesakes, args []string, e env, status string) error {
	fs := flag.NewFlagSet("dinners seatings list", flag.ContinueOnError)
	job := fs.String("job", "", e.t("flag.job"))
	statusF := fs.String("status", status, e.usage("flag.seating_status", seatingStatusChoice))
	offer := fs.String("offer", "", e.t("flag.offer"))
	signUp := fs.String("signup", "", e.t("flag.signup"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	ns, err := e.enumList("status", *statusF, seatingStatusChoice)
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
		told, err := viewsTold(res.Msg.GetSeatings(), (*gatewayv1.SeatingView).GetSeating, ask)
		if err != nil {
			return "", err
		}
		// The hosts too, from their groups alone, as the offers list marks
		// them: a seating carries no host's registration time (ADR 0209).
		hosts := map[string]string{}
		for _, v := range res.Msg.GetSeatings() {
			if s := v.GetSeating(); s.GetVolunteerId() != "" && v.GetHostName() != "" {
				hosts[s.GetVolunteerId()] = v.GetHostName() + ", " + s.GetMunicipalityCode()
			}
		}
		hostTold, err := groupsTold(hosts, true, ask)
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetSeatings() {
			s := v.GetSeating()
			var why []string
			for _, p := range s.GetScoreParts() {
				// The web's own explanation of each rule's points.
				if k := "dinners.why." + p.GetRule(); e.has(k) {
					why = append(why, e.d(k, "Points", p.GetPoints()))
				} else {
					why = append(why, fmt.Sprintf("%s %+d", p.GetRule(), p.GetPoints()))
				}
			}
			fmt.Fprintf(e.Out, "%s\t%s\t%s %s\t%s\t%s\n", s.GetId(), e.f("dinners.seating.who", e.apart(apart.Named(v.GetParticipantName(), s.GetMunicipalityCode()), told[s.GetParticipantId()]), s.GetPartySize(),
				e.apart(apart.Named(v.GetHostName(), s.GetMunicipalityCode()), hostTold[s.GetVolunteerId()])),
				s.GetDate(), s.GetStartTime(), e.seatingStatus(s), seatingScore(e, s.GetScore(), why))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// seatingScore is a seating's points and why ("12 poäng (samma språk
// +10, ...)"); a seating no job proposed (one recorded after its dinner
// was held) has neither, and mp printed "0 poäng ()": it gets an empty
// column, as the web shows no score for it.
func seatingScore(e env, score int32, why []string) string {
	if len(why) == 0 {
		if score == 0 {
			return ""
		}
		return e.f("score", score)
	}
	return e.f("score", score) + " (" + strings.Join(why, ", ") + ")"
}

// seatingStatus is a seating's status in the web's words ("inbjuden").
func (e Env) seatingStatus(s *dinnersv1.Seating) string {
	return e.code("dinners.status.", s.GetStatus().String(), "SEATING_STATUS_")
}

// changeSeating runs approve, reject, rsvp, cancel, attendance or
// feedback on one seating. Each defines only its own flags: with one
// shared set, "approve -rating 5 -decline DATE" succeeded and ignored
// them, and -h listed every flag of every command.
func changeSeating(ctx context.Context, d dinnersClient, what string, args []string, e env) error {
	fs := flag.NewFlagSet("dinners "+what, flag.ContinueOnError)
	var reason, partyF, decline string
	var rating int
	var again, practised, first bool
	switch what {
	case "reject":
		fs.StringVar(&reason, "reason", "", e.usage("flag.reject_reason", dinnerRejectChoice))
	case "rsvp":
		fs.StringVar(&partyF, "party", "", e.usage("flag.dinner_party", dinnerPartyChoice))
		fs.StringVar(&decline, "decline", "", e.usage("flag.decline", rsvpDeclineChoice))
	case "feedback":
		fs.StringVar(&partyF, "party", "", e.usage("flag.dinner_party", dinnerPartyChoice))
		fs.IntVar(&rating, "rating", 0, e.t("flag.rating"))
		fs.BoolVar(&again, "meet-again", false, e.t("flag.meet_again"))
		fs.BoolVar(&practised, "practised", false, e.t("flag.practised"))
		fs.BoolVar(&first, "first-time", false, e.t("flag.first_home"))
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if what == "attendance" && len(rest) != 2 || what != "attendance" && len(rest) != 1 {
		return errors.New(e.f("usage.see_help", "mp dinners "+what))
	}
	id := rest[0]
	p := eventsv1.DinnerParty_DINNER_PARTY_UNSPECIFIED
	if what == "rsvp" || what == "feedback" {
		n, err := e.enumFlag("party", partyF, dinnerPartyChoice)
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
		r, rerr := e.enumFlag("reason", reason, dinnerRejectChoice)
		if rerr != nil {
			return rerr
		}
		var res *connect.Response[gatewayv1.RejectSeatingResponse]
		if res, err = d.RejectSeating(ctx, connect.NewRequest(&gatewayv1.RejectSeatingRequest{Id: id, Reason: proposalv1.RejectReason(r)})); err == nil {
			v = res.Msg.GetSeating()
		}
	case "rsvp":
		req := &gatewayv1.RecordRsvpRequest{Id: id, Party: p, Accept: decline == ""}
		if decline != "" {
			r, rerr := e.enumFlag("decline", decline, rsvpDeclineChoice)
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
		ns, aerr := e.enumList("attendance", rest[1], attendanceChoice)
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
		// One id for the call and its retries: a retry arriving after a
		// newer feedback of the same side stands, not overwrites (ADR 0273).
		fb := &dinnersv1.Feedback{Rating: int32(rating), WouldMeetAgain: again, LanguagePractised: practised, FirstTimeInSwedishHome: first,
			RequestId: ids.UUIDv7{}.New()}
		var res *connect.Response[gatewayv1.RecordFeedbackResponse]
		if res, err = d.RecordFeedback(ctx, connect.NewRequest(&gatewayv1.RecordFeedbackRequest{Id: id, Party: p, Feedback: fb})); err == nil {
			v = res.Msg.GetSeating()
		}
	}
	if err != nil {
		return seatingErr(err)
	}
	fmt.Fprintf(e.Out, "%s %s\n", v.GetSeating().GetId(), e.seatingStatus(v.GetSeating()))
	return nil
}

func waitlist(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners waitlist", flag.ContinueOnError)
	org := fs.String("organisation", "", e.t("flag.organisation"))
	munis := municipalitiesFlag(fs, "municipalities", e.t("flag.municipalities"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	res, err := d.GetDinnerWaitlist(ctx, connect.NewRequest(&gatewayv1.GetDinnerWaitlistRequest{OrganisationId: *org, MunicipalityCodes: splitCSV(*munis)}))
	if err != nil {
		return err
	}
	for _, r := range res.Msg.GetWaitlist().GetRows() {
		fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", muniName(r.GetMunicipalityCode()),
			e.f("wait.waiting", count(r.GetParties(), e.t("n.party"), e.t("n.parties")), count(r.GetGuests(), e.t("n.guest"), e.t("n.guests")),
				count(r.GetMedianWaitDays(), e.t("n.day"), e.t("n.days")), count(r.GetMaxWaitDays(), e.t("n.day"), e.t("n.days"))),
			count(r.GetFreeSeats(), e.t("n.free_seat"), e.t("n.free_seats")),
			e.f("wait.needed", count(r.GetSeatsNeeded(), e.t("n.host_seat"), e.t("n.host_seats"))))
		for _, n := range r.GetNeedByDate() {
			fmt.Fprintf(e.Out, "\t%s\t%s\n", n.GetDate(), count(n.GetSeats(), e.t("n.seat"), e.t("n.seats")))
		}
	}
	return nil
}

// dinnerReport prints the report's rows, or saves its CSV (the web app's
// export) with -csv.
func dinnerReport(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("dinners report", flag.ContinueOnError)
	from := fs.String("from", "", e.t("flag.from_month"))
	to := fs.String("to", "", e.t("flag.to_month"))
	asCSV := fs.Bool("csv", false, e.t("flag.csv"))
	outPath := fs.String("o", "", e.t("flag.out_csv"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	report := func() (*connect.Response[gatewayv1.GetDinnerReportResponse], error) {
		return c.dinners.GetDinnerReport(ctx, connect.NewRequest(&gatewayv1.GetDinnerReportRequest{FromMonth: *from, ToMonth: *to}))
	}
	if *asCSV {
		q := url.Values{"from_month": {*from}, "to_month": {*to}, "lang": {e.words().lang}}
		return downloadCSV(ctx, c, "/dinners/report.csv?"+q.Encode(), *outPath, e, func() error { _, err := report(); return err })
	}
	res, err := report()
	if err != nil {
		return err
	}
	var w io.Writer = e.Out
	fmt.Fprintln(w, e.t("dinners.report.header"))
	for _, r := range res.Msg.GetReport().GetRows() {
		group := ""
		if d := r.GetDimension(); d != "" {
			group = e.code("dinners.group.", d, "") + ": " + e.dinnerGroupValue(d, r.GetValue())
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", r.GetMonth(), r.GetMunicipalityCode(), group, r.GetDinnersOffered(), r.GetDinnersHeld(),
			r.GetGuestsSeated(), r.GetGuestsAttended(), r.GetFirstTimePerMille(), r.GetNoShowPerMille(), r.GetLateCancelPerMille(), r.GetMedianWaitDays())
	}
	return nil
}

// dinnerGroupValue is a report row's group in words, as the web's report
// says it: a guest whose gender is not recorded is "kön inte angivet", a
// missing language "okänt", a language by its name ("arabiska"). mp printed
// "språk: " with nothing after it for the rows without a value.
func (e Env) dinnerGroupValue(dim, v string) string {
	switch {
	case v == "" && dim == "gender":
		return e.t("guides.group.unspecified")
	case v == "":
		return e.t("guides.unknown")
	case dim == "language":
		return catalog.LanguageName(e.words().lang, v)
	}
	return e.code("label.", v, "")
}

// dinnerJobNone says in words why finished job j proposed nothing, as the
// web's proposals section of the job does: the parties left without a
// seat counted per reason (catalog.UnseatedLines), or that no party waits
// at all. mp printed the counts alone ("föreslagna placeringar: 0, ...;
// bästa möjliga (0 poäng)"), where a mentoring or guides job says why
// (ADR 0205's Left, 0211). Nothing for a job that proposed something.
func dinnerJobNone(ctx context.Context, d dinnersClient, j *dinnersv1.Job, e env) error {
	k := j.GetCounts()
	if k.GetProposals() > 0 {
		return nil
	}
	lang := e.words().lang
	if k.GetParties() == 0 {
		fmt.Fprintln(e.Out, catalog.Text(lang, "dinners.job.none.no_parties"))
		return nil
	}
	counts := map[string]int{}
	var full *dinnersv1.FullDinners
	err := pages(func(token string) (string, error) {
		res, err := d.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: j.GetId(), PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, u := range res.Msg.GetUnseated() {
			counts[strings.ToLower(strings.TrimPrefix(u.GetReason().String(), "UNSEATED_REASON_"))]++
		}
		if f := res.Msg.GetFullDinners(); f != nil {
			full = f
		}
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	lines := catalog.UnseatedLines(lang, counts, full.GetDinners(), full.GetSeatsHeldByProposals(), full.GetSeatsHeldByApproved())
	if len(lines) == 0 {
		return nil
	}
	fmt.Fprintln(e.Out, catalog.Text(lang, "dinners.unseated.title")+":")
	for _, l := range lines {
		fmt.Fprintln(e.Out, "  "+l)
	}
	return nil
}

// dinnerJobResult is a done job's counts and quality. A proven optimum
// (gap 0) says "bästa möjliga", as the web app and a mentoring job do,
// not "högst 0,00 % under", which read as a shortfall (ADR 0184).
// The pairs left out as proposed before follow, as the web's line says
// them (ADR 0257).
func (e Env) dinnerJobResult(j *dinnersv1.Job) string {
	k := j.GetCounts()
	s := e.f("dinners.job.result", k.GetProposals(), k.GetUnseated(), e.decimal(float64(j.GetGapPpm())/1e4, 2))
	if j.GetGapPpm() == 0 {
		s = e.f("dinners.job.result_optimal", k.GetProposals(), k.GetUnseated(), j.GetObjective())
	}
	if n := k.GetExcludedPairs(); n > 0 {
		s += e.f("dinners.job.result_excluded", n)
	}
	return s
}

// seatingErr is a refusal of a seating change in a seating's words: the
// dinners service refuses with the proposals' shared lifecycle, which
// says a pair ("only a proposed pair can be approved; this one is
// offered"), and mp printed a mentoring pair's Swedish where the web app
// says "bara en föreslagen placering kan godkännas (status nu: inbjuden)"
// (ADR 0184). The details (field violations) stay as they were.
func seatingErr(err error) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	msg := catalog.SeatingMessage(ce.Message())
	if msg == ce.Message() {
		return err
	}
	out := connect.NewError(ce.Code(), errors.New(msg))
	for _, d := range ce.Details() {
		out.AddDetail(d)
	}
	return out
}

// webURL is path's address in the web app as a browser reaches it: the
// gateway's public address (MP_PUBLIC_URL, as the answer and setup links
// are written with it) when set and well formed, else the server mp is
// signed in to.
func (e Env) webURL(path string) string {
	base := e.server
	if e.Getenv == nil {
		return strings.TrimRight(base, "/") + path
	}
	if pub := e.Getenv("MP_PUBLIC_URL"); pub != "" {
		if u, err := url.Parse(pub); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			base = pub
		}
	}
	return strings.TrimRight(base, "/") + path
}
