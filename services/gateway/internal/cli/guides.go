package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/emptyjob"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// guidesClient is the gateway's GuidesService with the stored token.
func (c *clients) guidesClient() gatewayv1connect.GuidesServiceClient {
	return gatewayv1connect.NewGuidesServiceClient(c.http, c.cfg.Server, connect.WithProtoJSON(), connect.WithInterceptors(
		connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				req.Header().Set("Authorization", "Bearer "+c.cfg.Token)
				return next(ctx, req)
			}
		}), c.retry))
}

// guides runs one mp guides command.
func guides(ctx context.Context, c *clients, args []string, e env) error {
	if len(args) == 0 {
		return errors.New(e.t("usage.word") + e.t("help.guides"))
	}
	g := c.guidesClient()
	sub, args := args[0], args[1:]
	switch sub {
	case "eligibility":
		return guideEligibility(ctx, g, c.namesakes(ctx), args, e)
	case "rules":
		if len(args) > 0 && args[0] == "set" {
			return guideRulesSet(ctx, g, args[1:], e)
		}
		res, err := g.GetGuideEligibilityRules(ctx, connect.NewRequest(&gatewayv1.GetGuideEligibilityRulesRequest{}))
		if err != nil {
			return err
		}
		r := res.Msg.GetRules()
		yn := func(b bool) string { return e.t(map[bool]string{true: "guides.yes", false: "guides.no"}[b]) }
		fmt.Fprintf(e.Out, "%s: %s\n%s: %d\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n", e.t("rules.version"), res.Msg.GetVersion(),
			e.t("guides.rules.months"), r.GetEstablishmentMonths(), e.t("guides.rules.permit"), yn(r.GetRequirePermit()),
			e.t("guides.rules.enrolled"), yn(r.GetRequireEnrolled()), e.t("guides.rules.full_leave"), yn(r.GetFullTimeParentalLeaveExcludes()),
			e.t("guides.rules.part_leave"), yn(r.GetPartTimeParentalLeaveExcludes()))
		return nil
	case "organisations":
		return guideOrganisations(ctx, g, e)
	case "jobs":
		return guideJobs(ctx, c, g, args, e)
	case "assignments":
		return guideAssignments(ctx, g, c.namesakes(ctx), args, e)
	case "approve", "reject", "accept", "decline", "activate", "end":
		return guideChange(ctx, g, sub, args, e)
	case "equity":
		return guideEquity(ctx, c, g, args, e)
	}
	return errors.New(e.f("err.unknown_command", "guides "+sub))
}

// guideEligibility prints who is entitled to a guide and why, a newcomer
// with a namesake (over the whole scope, page by page) with when they were
// registered (ADR 0200).
func guideEligibility(ctx context.Context, g gatewayv1connect.GuidesServiceClient, ask askNamesakes, args []string, e env) error {
	fs := flag.NewFlagSet("guides eligibility", flag.ContinueOnError)
	munis := municipalitiesFlag(fs, "municipalities", e.t("flag.guideEligibility.municipalities"))
	yes := fs.Bool("entitled", false, e.t("flag.guideEligibility.entitled"))
	no := fs.Bool("not-entitled", false, e.t("flag.guideEligibility.not-entitled"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	want := guidesv1.Entitlement_ENTITLEMENT_UNSPECIFIED
	switch {
	case *yes && *no:
		return errors.New(e.t("err.entitled_both"))
	case *yes:
		want = guidesv1.Entitlement_ENTITLEMENT_ENTITLED
	case *no:
		want = guidesv1.Entitlement_ENTITLEMENT_NOT_ENTITLED
	}
	return pages(func(tok string) (string, error) {
		res, err := g.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{
			MunicipalityCodes: splitCSV(*munis), Entitlement: want, PageSize: 500, PageToken: tok}))
		if err != nil {
			return "", err
		}
		if tok == "" {
			fmt.Fprintln(e.Out, count(res.Msg.GetTotalSize(), e.t("n.newcomer"), e.t("n.newcomers")))
		}
		label := map[string]string{}
		for _, v := range res.Msg.GetEligibility() {
			label[v.GetEligibility().GetParticipantId()] = v.GetParticipantName() + ", " + v.GetEligibility().GetMunicipalityCode()
		}
		told, err := groupsTold(label, false, ask)
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetEligibility() {
			el := v.GetEligibility()
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\t%s\n", el.GetParticipantId(), e.apart(v.GetParticipantName(), told[el.GetParticipantId()]), muniName(el.GetMunicipalityCode()),
				e.code("guides.", el.GetEntitlement().String(), "ENTITLEMENT_"), e.reasons(el.GetReasons()))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

func guideRulesSet(ctx context.Context, g gatewayv1connect.GuidesServiceClient, args []string, e env) error {
	// The flags default to the rules in force; -h prints them without a
	// call (signed out it had no client to call with).
	cur := &gatewayv1.GetGuideEligibilityRulesResponse{}
	if !slices.ContainsFunc(args, isHelpFlag) {
		res, err := g.GetGuideEligibilityRules(ctx, connect.NewRequest(&gatewayv1.GetGuideEligibilityRulesRequest{}))
		if err != nil {
			return err
		}
		cur = res.Msg
	}
	r := cur.GetRules()
	fs := flag.NewFlagSet("guides rules set", flag.ContinueOnError)
	etag := fs.String("etag", "", e.t("flag.guideRulesSet.etag"))
	months := fs.Int("establishment-months", int(r.GetEstablishmentMonths()), e.t("flag.guideRulesSet.establishment-months"))
	permit := fs.Bool("require-permit", r.GetRequirePermit(), e.t("flag.guideRulesSet.require-permit"))
	enrolled := fs.Bool("require-enrolled", r.GetRequireEnrolled(), e.t("flag.guideRulesSet.require-enrolled"))
	full := fs.Bool("full-time-leave-excludes", r.GetFullTimeParentalLeaveExcludes(), e.t("flag.guideRulesSet.full-time-leave-excludes"))
	part := fs.Bool("part-time-leave-excludes", r.GetPartTimeParentalLeaveExcludes(), e.t("flag.guideRulesSet.part-time-leave-excludes"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *etag == "" {
		return errors.New(e.t("err.etag"))
	}
	res, err := g.UpdateGuideEligibilityRules(ctx, connect.NewRequest(&gatewayv1.UpdateGuideEligibilityRulesRequest{Etag: *etag,
		Rules: &guidesv1.EligibilityRules{EstablishmentMonths: int32(*months), RequirePermit: *permit, RequireEnrolled: *enrolled,
			FullTimeParentalLeaveExcludes: *full, PartTimeParentalLeaveExcludes: *part}}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("rules.changed", res.Msg.GetVersion()))
	return nil
}

func guideOrganisations(ctx context.Context, g gatewayv1connect.GuidesServiceClient, e env) error {
	return pages(func(tok string) (string, error) {
		res, err := g.ListGuideOrganisations(ctx, connect.NewRequest(&gatewayv1.ListGuideOrganisationsRequest{PageSize: 500, PageToken: tok}))
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetOrganisations() {
			o := v.GetOrganisation()
			fmt.Fprintf(e.Out, "%s\t%s\t%s\n", o.GetOrganisationId(), v.GetName(), e.code("guides.orgtype.", o.GetType(), "ORGANISATION_TYPE_"))
			for _, k := range o.GetCapacities() {
				fmt.Fprintf(e.Out, "\t%s %s\t%s %d\t%s %d", muniName(k.GetMunicipalityCode()), e.code("guides.lang.", k.GetLanguage(), ""),
					lowerFirst(e.t("guides.orgs.capacity")), k.GetCapacity(), lowerFirst(e.t("guides.orgs.caseload")), k.GetCaseload())
				if n := k.GetReproposed(); n > 0 {
					fmt.Fprintf(e.Out, "\t%s %d", lowerFirst(e.t("guides.orgs.reproposed")), n)
				}
				fmt.Fprintln(e.Out)
			}
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

func guideJobs(ctx context.Context, c *clients, g gatewayv1connect.GuidesServiceClient, args []string, e env) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "start":
		fs := flag.NewFlagSet("guides jobs start", flag.ContinueOnError)
		munis := municipalitiesFlag(fs, "municipalities", e.t("flag.guideJobs.municipalities"))
		quota := fs.String("quota", "", e.usage("flag.guideJobs.quota", quotaChoice))
		follow := fs.Bool("follow", false, e.t("flag.guideJobs.follow"))
		if err := e.parse(fs, args); err != nil {
			return err
		}
		var qs []guidesv1.QuotaKind
		for _, q := range splitCSV(*quota) {
			v, err := e.enumFlag("quota", q, quotaChoice)
			if err != nil {
				return err
			}
			qs = append(qs, guidesv1.QuotaKind(v))
		}
		res, err := g.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: ids.UUIDv7{}.New(),
			MunicipalityCodes: splitCSV(*munis), Quotas: qs}))
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Out, res.Msg.GetJob().GetId())
		if *follow {
			return watchGuideJob(ctx, c, g, res.Msg.GetJob().GetId(), e)
		}
		return nil
	case "list":
		return pages(func(tok string) (string, error) {
			res, err := g.ListGuideJobs(ctx, connect.NewRequest(&gatewayv1.ListGuideJobsRequest{PageSize: 100, PageToken: tok}))
			if err != nil {
				return "", err
			}
			for _, j := range res.Msg.GetJobs() {
				fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", j.GetId(), localtime.Stamp(j.GetCreateTime()),
					e.withAttempts(e.code("guides.state.", j.GetState().String(), "JOB_STATE_"), j.GetAttempts(),
						j.GetState() == guidesv1.JobState_JOB_STATE_SUCCEEDED, j.GetState() == guidesv1.JobState_JOB_STATE_FAILED), muniNames(j.GetMunicipalityCodes()))
			}
			return res.Msg.GetNextPageToken(), nil
		})
	case "watch":
		id, err := e.oneArg("guides jobs watch", args)
		if err != nil {
			return err
		}
		return watchGuideJob(ctx, c, g, id, e)
	case "unassigned":
		id, err := e.oneArg("guides jobs unassigned", args)
		if err != nil {
			return err
		}
		return listGuideUnassigned(ctx, g, c.namesakes(ctx), id, e)
	}
	return errors.New(e.t("usage.word") + " mp guides jobs start|list|watch|unassigned")
}

// watchGuideJob follows the job's stream, printing each change of
// progress, and its counts at the end.
func watchGuideJob(ctx context.Context, c *clients, g gatewayv1connect.GuidesServiceClient, id string, e env) error {
	req := connect.NewRequest(&gatewayv1.WatchGuideJobRequest{Id: id})
	req.Header().Set("Authorization", "Bearer "+c.cfg.Token) // the interceptor above is unary only
	stream, err := g.WatchGuideJob(ctx, req)
	if err != nil {
		return err
	}
	defer stream.Close()
	last := ""
	var j *guidesv1.Job
	for stream.Receive() {
		j = stream.Msg().GetJob()
		phase := e.code("guides.phase.", j.GetPhase(), "")
		if phase == strings.ReplaceAll(j.GetPhase(), "_", " ") {
			phase = e.code("phase.", j.GetPhase(), "")
		}
		line := e.withAttempts(e.jobLine(j.GetProgressPercent(), e.code("guides.state.", j.GetState().String(), "JOB_STATE_"), phase), j.GetAttempts(), false, false)
		if line != last {
			fmt.Fprintln(e.Out, line)
			last = line
		}
	}
	if err := stream.Err(); err != nil {
		return err
	}
	switch j.GetState() {
	case guidesv1.JobState_JOB_STATE_SUCCEEDED:
		fmt.Fprintln(e.Out, e.withAttempts(e.f("guides.job.result", j.GetCounts()["proposals"], j.GetCounts()["unassigned"]), j.GetAttempts(), true, false))
		if why := e.emptyJob(emptyjob.FromGuides(j.GetCounts())); why != "" {
			fmt.Fprintln(e.Out, why)
		}
		return nil
	case guidesv1.JobState_JOB_STATE_FAILED:
		if q, ok := strings.CutPrefix(j.GetErrorMessage(), "the quotas cannot all be met: "); ok {
			return errors.New(e.withAttempts(e.t("guides.job.quota")+" "+q, j.GetAttempts(), false, true))
		}
		return errors.New(e.withAttempts(e.t("guides.job.failed"), j.GetAttempts(), false, true))
	}
	return errors.New(e.f("err.stream_ended", "mp guides jobs watch "+id))
}

func guideAssignments(ctx context.Context, g gatewayv1connect.GuidesServiceClient, ask askNamesakes, args []string, e env) error {
	fs := flag.NewFlagSet("guides assignments", flag.ContinueOnError)
	job := fs.String("job", "", e.t("flag.guideAssignments.job"))
	status := fs.String("status", "", e.usage("flag.guideAssignments.status", assignStatusChoice))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	var sts []eventsv1.AssignmentStatus
	for _, s := range splitCSV(*status) {
		v, err := e.enumFlag("status", s, assignStatusChoice)
		if err != nil {
			return err
		}
		sts = append(sts, eventsv1.AssignmentStatus(v))
	}
	return pages(func(tok string) (string, error) {
		res, err := g.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: *job, Statuses: sts,
			PageSize: 500, PageToken: tok}))
		if err != nil {
			return "", err
		}
		if tok == "" {
			fmt.Fprintln(e.Out, count(res.Msg.GetTotalSize(), e.t("n.assignment"), e.t("n.assignments")))
		}
		// Namesakes told apart over the whole scope, page by page
		// (ADR 0200).
		told, err := viewsTold(res.Msg.GetAssignments(), (*gatewayv1.GuideAssignmentView).GetAssignment, ask)
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetAssignments() {
			printAssignment(e, v, told[v.GetAssignment().GetParticipantId()])
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// printAssignment prints v's line; when tells the newcomer from a
// namesake ("" for no one's).
func printAssignment(e env, v *gatewayv1.GuideAssignmentView, when string) {
	a := v.GetAssignment()
	var why []string
	for _, r := range catalog.Explain(a) {
		text := e.t("guides.explain." + r.Rule)
		if r.Rule == "language" {
			text = e.d("guides.explain.language", "Language", e.code("guides.lang.", r.Language, ""))
		}
		if text == "guides.explain."+r.Rule {
			text = r.Rule
		}
		why = append(why, fmt.Sprintf("%s %+d", text, r.Points))
	}
	// The guidance's days come last, so scripts that read the first four
	// columns read them as before (ADR 0144): the day it started (or was
	// assigned) and the day the establishment period ends, as the web's
	// Lotsningar shows them, "-" when there is none. Then, as the web
	// flags it, whether the period is over and the guidance should end,
	// "-" when not (ADR 0148): a script tests that column, not the dates.
	printGuidance(e, v, when, why, catalog.Guidance(a, time.Now().In(localtime.Zone).Format(time.DateOnly)))
}

// printGuidance prints an assignment's line with the guidance's days d.
func printGuidance(e env, v *gatewayv1.GuideAssignmentView, when string, why []string, d catalog.GuidanceDays) {
	a := v.GetAssignment()
	over := "-"
	if d.PastEnd {
		over = lowerFirst(e.t("guides.dates.past_end"))
	}
	fmt.Fprintf(e.Out, "%s\t%s -> %s (%s, %s)\t%s\t%s: %s\t%s\t%s\t%s\n", a.GetId(), e.apart(v.GetParticipantName(), when), e.orgOrGone(a.GetOrganisationId(), v.GetOrganisationName()),
		muniName(a.GetMunicipalityCode()), e.code("guides.lang.", a.GetLanguage(), ""), e.code("guides.status.", a.GetStatus().String(), "ASSIGNMENT_STATUS_"),
		e.f("score", a.GetScore()), strings.Join(why, "; "), orDash(d.Start, "-"), orDash(d.End, "-"), over)
}

func guideChange(ctx context.Context, g gatewayv1connect.GuidesServiceClient, what string, args []string, e env) error {
	fs := flag.NewFlagSet("guides "+what, flag.ContinueOnError)
	party := fs.String("party", "", e.usage("flag.guideChange.party", guidePartyChoice))
	reason := fs.String("reason", "", e.reasonUsage(what))
	job := fs.String("job", "", e.t("flag.guideChange.job"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *job != "" && fs.NArg() == 0 {
		return guideChangeAll(ctx, g, what, *job, args, e)
	}
	if fs.NArg() != 1 {
		return errors.New(e.f("usage.guide_change", what))
	}
	id := fs.Arg(0)
	var p guidesv1.AcceptingParty
	if what == "accept" || what == "decline" {
		v, err := e.enumFlag("party", *party, guidePartyChoice)
		if err != nil {
			return err
		}
		p = guidesv1.AcceptingParty(v)
	}
	var v *gatewayv1.GuideAssignmentView
	switch what {
	case "approve":
		res, err := g.ApproveGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ApproveGuideAssignmentRequest{Id: id}))
		if err != nil {
			return err
		}
		v = res.Msg.GetAssignment()
	case "reject":
		r, err := e.enumFlag("reason", *reason, guideRejectChoice)
		if err != nil {
			return err
		}
		res, err := g.RejectGuideAssignment(ctx, connect.NewRequest(&gatewayv1.RejectGuideAssignmentRequest{Id: id, Reason: proposalv1.RejectReason(r)}))
		if err != nil {
			return err
		}
		v = res.Msg.GetAssignment()
	case "accept":
		res, err := g.AcceptGuideAssignment(ctx, connect.NewRequest(&gatewayv1.AcceptGuideAssignmentRequest{Id: id, Party: p}))
		if err != nil {
			return err
		}
		v = res.Msg.GetAssignment()
	case "decline":
		var r int32
		if *reason != "" {
			var err error
			if r, err = e.enumFlag("reason", *reason, guideDeclineChoice); err != nil {
				return err
			}
		}
		res, err := g.DeclineGuideAssignment(ctx, connect.NewRequest(&gatewayv1.DeclineGuideAssignmentRequest{Id: id, Party: p, Reason: proposalv1.DeclineReason(r)}))
		if err != nil {
			return err
		}
		v = res.Msg.GetAssignment()
	case "activate":
		res, err := g.ActivateGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ActivateGuideAssignmentRequest{Id: id}))
		if err != nil {
			return err
		}
		v = res.Msg.GetAssignment()
	case "end":
		r, err := e.enumFlag("reason", *reason, guideEndChoice)
		if err != nil {
			return err
		}
		res, err := g.EndGuideAssignment(ctx, connect.NewRequest(&gatewayv1.EndGuideAssignmentRequest{Id: id, Reason: eventsv1.AssignmentEndReason(r)}))
		if err != nil {
			return err
		}
		v = res.Msg.GetAssignment()
	}
	printAssignment(e, v, "")
	return nil
}

// fromStatus is the status an action applies to, for -job.
var fromStatus = map[string]eventsv1.AssignmentStatus{
	"approve": eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED, "reject": eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED,
	"accept": eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED, "decline": eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED,
	"activate": eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED, "end": eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE,
}

// guideChangeAll applies the action to every assignment of job in the
// status it applies to (all pages read first, since the action moves them
// out of the list), one call each, and says how many changed. An
// assignment that cannot change (no capacity left, changed meanwhile) is
// reported and the rest go on.
func guideChangeAll(ctx context.Context, g gatewayv1connect.GuidesServiceClient, what, job string, args []string, e env) error {
	var ids []string
	err := pages(func(tok string) (string, error) {
		res, err := g.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: job,
			Statuses: []eventsv1.AssignmentStatus{fromStatus[what]}, PageSize: 500, PageToken: tok}))
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetAssignments() {
			ids = append(ids, v.GetAssignment().GetId())
		}
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-job" || args[i] == "--job" {
			i++
			continue
		}
		if strings.HasPrefix(args[i], "-job=") || strings.HasPrefix(args[i], "--job=") {
			continue
		}
		rest = append(rest, args[i])
	}
	done, failed := 0, 0
	for _, id := range ids {
		if err := guideChange(ctx, g, what, append(append([]string(nil), rest...), id), e); err != nil {
			failed++
			fmt.Fprintf(e.Out, "%s: %v\n", id, explain(e, err))
			continue
		}
		done++
	}
	fmt.Fprintln(e.Out, e.f("guides.changed_all", "mp guides "+what, done, failed))
	return nil
}

// guideReasons are the -reason choices of the guides actions that take one.
var guideReasons = map[string]choice{"reject": guideRejectChoice, "decline": guideDeclineChoice, "end": guideEndChoice}

// reasonUsage is -reason's help for the guides action what, with its
// choices where it takes a reason.
func (e Env) reasonUsage(what string) string {
	if c, ok := guideReasons[what]; ok {
		return e.usage("flag.guideChange.reason", c)
	}
	return e.t("flag.guideChange.reason")
}
