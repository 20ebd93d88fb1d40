package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/emptyjob"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

func startJob(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("jobs start", flag.ContinueOnError)
	org := fs.String("organisation", "", e.t("flag.organisation"))
	munis := municipalitiesFlag(fs, "municipalities", e.t("flag.jobStart.municipalities"))
	follow := fs.Bool("follow", false, e.t("flag.follow"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	res, err := c.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{
		RequestId: ids.UUIDv7{}.New(), OrganisationId: *org, MunicipalityCodes: splitCSV(*munis)}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetJob().GetId())
	if *follow {
		return watchJob(ctx, c, res.Msg.GetJob().GetId(), e)
	}
	return nil
}

// listJobs prints the matching jobs, newest first, as mp dinners jobs list
// and mp guides jobs list do: after a crash a coordinator finds the job
// to watch here, not only in the start command's output.
func listJobs(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("jobs list", flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(e.f("usage.see_help", "mp jobs list"))
	}
	return pages(func(token string) (string, error) {
		res, err := c.matching.ListMatchingJobs(ctx, connect.NewRequest(&gatewayv1.ListMatchingJobsRequest{PageSize: 200, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, j := range res.Msg.GetJobs() {
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\t%s\n", j.GetId(), localtime.Stamp(j.GetCreateTime()),
				e.withAttempts(e.jobLine(j.GetProgressPercent(), e.code("state.", j.GetState().String(), "JOB_STATE_"), e.code("phase.", j.GetPhase(), "")),
					j.GetAttempts(), j.GetState() == mentoringv1.JobState_JOB_STATE_SUCCEEDED, j.GetState() == mentoringv1.JobState_JOB_STATE_FAILED),
				muniNames(j.GetMunicipalityCodes()), e.f("job.result", j.GetCounts().GetProposals(), j.GetCounts().GetUnmatched()))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// listUnmatched prints the newcomers job id left without a proposal, each
// with why in the web app's words (ADR 0137), as mp dinners unseated does
// for the dinners: the job's "utan förslag: 333" made into people to
// follow up. Two newcomers of one name in one municipality carry when
// each was registered, over the whole list as mp matching waiting does
// (ADR 0132, 0175): "Abdi Nur, Stockholm" twice after make seed read as
// one person left out twice.
func listUnmatched(ctx context.Context, c *clients, id string, e env) error {
	var rows []*gatewayv1.UnmatchedNewcomerView
	err := pages(func(token string) (string, error) {
		res, err := c.matching.ListUnmatchedNewcomers(ctx, connect.NewRequest(&gatewayv1.ListUnmatchedNewcomersRequest{JobId: id, PageSize: 500, PageToken: token}))
		if err != nil {
			return "", err
		}
		rows = append(rows, res.Msg.GetUnmatched()...)
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	// The full mentors the reasons name are marked too (a mentor row
	// carries no registration time), from their namesakes' groups as the
	// web page marks them (ADR 0211): "Maria Johansson (96 poäng)" named
	// one of two Maria Johansson. Each is named with their municipality,
	// "Maria Johansson, Kalmar", as the lists name people (ADR 0222).
	mentorLabel := map[string]string{}
	for _, u := range rows {
		for _, m := range u.GetMentors() {
			if m.GetVolunteerId() != "" && m.GetName() != "" {
				mentorLabel[m.GetVolunteerId()] = apart.Named(m.GetName(), m.GetMunicipalityCode())
			}
		}
	}
	pn, vn, err := c.namesakes(ctx)(participantIDs(rows), slices.Sorted(maps.Keys(mentorLabel)))
	if err != nil {
		return err
	}
	told, mentors := tellLeftOut(rows, pn), tellGroups(mentorLabel, vn)
	byProposals := false
	for _, u := range rows {
		why := e.code("m.unmatched.", u.GetReason().String(), "UNMATCHED_REASON_")
		if len(u.GetMentors()) > 0 {
			names := make([]string, 0, len(u.GetMentors()))
			for _, m := range u.GetMentors() {
				byProposals = byProposals || m.GetHeldByProposals() > 0
				name := apart.Named(m.GetName(), m.GetMunicipalityCode())
				if name != "" {
					name = e.apart(name, mentors[m.GetVolunteerId()])
				}
				names = append(names, catalog.Mentor(e.words().lang, name, m.GetScore(), m.GetHeldByProposals(), m.GetHeldByPairs(), m.GetHeldByThisJob()))
			}
			why = e.d("m.unmatched.mentors_full_named", "Mentors", strings.Join(names, ", "))
		}
		fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", u.GetParticipantId(), e.apart(e.nameOrGone(u.GetParticipantName()), told[u.GetParticipantId()]),
			muniName(u.GetMunicipalityCode()), why)
	}
	printFreeHint(e.Out, e, "mentoring", byProposals)
	return nil
}

// watchJob polls the job until it finishes, printing progress changes.
func watchJob(ctx context.Context, c *clients, id string, e env) error {
	last := ""
	for {
		res, err := c.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: id}))
		if err != nil {
			return err
		}
		j := res.Msg.GetJob()
		line := e.jobLine(j.GetProgressPercent(), e.code("state.", j.GetState().String(), "JOB_STATE_"), e.code("phase.", j.GetPhase(), ""))
		line = e.withAttempts(line, j.GetAttempts(), false, false)
		if line != last {
			fmt.Fprintln(e.Out, line)
			last = line
		}
		switch j.GetState() {
		case mentoringv1.JobState_JOB_STATE_SUCCEEDED:
			fmt.Fprintln(e.Out, e.withAttempts(e.f("job.result", j.GetCounts().GetProposals(), j.GetCounts().GetUnmatched()), j.GetAttempts(), true, false))
			if why := e.emptyJob(emptyjob.FromMentoring(j.GetCounts())); why != "" {
				fmt.Fprintln(e.Out, why)
			}
			return nil
		case mentoringv1.JobState_JOB_STATE_FAILED:
			return errors.New(e.withAttempts(e.t("m.failed"), j.GetAttempts(), false, true))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func listProposals(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("proposals list", flag.ContinueOnError)
	job := fs.String("job", "", e.t("flag.job"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	// Every page, not the first 200 (issue 12: 200 of 265 were shown
	// without a word), best first across pages as the matching page lists
	// them (ADR 0128).
	return pages(func(token string) (string, error) {
		res, err := c.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: *job, PageSize: 200, PageToken: token,
			Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}, Order: mentoringv1.PairOrder_PAIR_ORDER_SCORE_DESC}))
		if err != nil {
			return "", err
		}
		// Each person as the registers name them, "Förnamn Efternamn,
		// Kommun" (ADR 0220): two newcomers of one name in two of the
		// job's municipalities read as one. Namesakes (one name, one
		// municipality) over the whole scope, page by page (ADR 0200).
		pn, vn, err := c.namesakes(ctx)(pairsPeople(res.Msg.GetPairs()))
		if err != nil {
			return "", err
		}
		newcomers, mentors := pairsApart(res.Msg.GetPairs(), pn, vn)
		for _, v := range res.Msg.GetPairs() {
			var why []string
			for _, p := range v.GetPair().GetScoreParts() {
				why = append(why, fmt.Sprintf("%s %+d", e.rule(p.GetRule()), p.GetPoints()))
			}
			fmt.Fprintf(e.Out, "%s\t%s + %s\t%s (%s)\n", v.GetPair().GetId(),
				e.apart(apart.Named(v.GetParticipantName(), v.GetPair().GetMunicipalityCode()), newcomers[v.GetPair().GetParticipantId()]),
				e.apart(apart.Named(v.GetVolunteerName(), v.GetVolunteerMunicipalityCode()), mentors[v.GetPair().GetVolunteerId()]),
				e.f("score", v.GetPair().GetScore()), strings.Join(why, ", "))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// pairsApart is when each newcomer and each mentor of a page of pairs was
// registered, by id, only for those who share a name and municipality
// with another of the page (two "Zahra Gebremedhin" in Uppsala after make
// seed), as the web app's matching page shows them (ADR 0170).
// pn and vn are their namesakes over the whole scope (ADR 0200).
func pairsApart(vs []*gatewayv1.PairView, pn, vn []*typev1.Namesake) (newcomers, mentors map[string]string) {
	var ns, ms []apart.Person
	seen := map[string]bool{}
	for _, v := range vs {
		p := v.GetPair()
		if !seen[p.GetParticipantId()] && v.GetParticipantName() != "" {
			seen[p.GetParticipantId()] = true
			ns = append(ns, apart.Person{ID: p.GetParticipantId(), Label: v.GetParticipantName() + ", " + p.GetMunicipalityCode(), Registered: v.GetParticipantRegistered()})
		}
		if !seen[p.GetVolunteerId()] && v.GetVolunteerName() != "" {
			seen[p.GetVolunteerId()] = true
			ms = append(ms, apart.Person{ID: p.GetVolunteerId(), Label: v.GetVolunteerName() + ", " + v.GetVolunteerMunicipalityCode(), Registered: v.GetVolunteerRegistered()})
		}
	}
	return apart.Tell(besides(ns, pn)), apart.Tell(besides(ms, vn))
}

// pairsPeople are the newcomers' and the mentors' ids of pairs.
func pairsPeople(vs []*gatewayv1.PairView) (participants, volunteers []string) {
	for _, v := range vs {
		participants = append(participants, v.GetPair().GetParticipantId())
		volunteers = append(volunteers, v.GetPair().GetVolunteerId())
	}
	return participants, volunteers
}

// apart is name with when they were registered, for a namesake (when is
// not empty): "Zahra Gebremedhin (registrerad 2026-03-14)".
func (e Env) apart(name, when string) string {
	if when == "" {
		return name
	}
	return name + " (" + e.f("registered", when) + ")"
}

// decide approves or rejects one proposal. A rejection takes the reason
// the web's form asks for ("Skäl", required there as here): without a
// flag set "-reason OTHER ID" was taken as the id and no reason was sent.
func decide(ctx context.Context, c *clients, what string, args []string, e env) error {
	fs := flag.NewFlagSet("proposals "+what, flag.ContinueOnError)
	var reason *string
	if what == "reject" {
		reason = fs.String("reason", "", e.usage("flag.reject_reason", pairRejectChoice))
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(e.f("usage.one_id", "proposals "+what))
	}
	id := fs.Arg(0)
	var v *gatewayv1.PairView
	if what == "approve" {
		res, err := c.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: id}))
		if err != nil {
			return err
		}
		v = res.Msg.GetPair()
	} else {
		r, err := e.enumFlag("reason", *reason, pairRejectChoice)
		if err != nil {
			return err
		}
		res, err := c.matching.RejectPair(ctx, connect.NewRequest(&gatewayv1.RejectPairRequest{Id: id, Reason: eventsv1.RejectReason(r)}))
		if err != nil {
			return err
		}
		v = res.Msg.GetPair()
	}
	fmt.Fprintf(e.Out, "%s %s\n", v.GetPair().GetId(), e.code("status.", v.GetPair().GetStatus().String(), "PAIR_STATUS_"))
	return nil
}

// exportReport saves the file the web app's Reports page downloads
// ("Exportera som CSV": byte-order mark, ';', words in mp's language, ADR
// 0109), fetched from that page's own route so there is one writer of it;
// -machine is the page's other button, the stable English CSV with codes
// for programs. mp saved only the machine CSV, whatever the user read.
func exportReport(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("report export", flag.ContinueOnError)
	outPath := fs.String("o", "", e.t("flag.out"))
	machine := fs.Bool("machine", false, e.t("flag.export_machine"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	q := url.Values{"format": {"local"}, "lang": {e.words().lang}}
	if *machine {
		q = url.Values{"format": {"machine"}}
	}
	// No parameter of the user's can be refused here: no question to ask.
	return downloadCSV(ctx, c, "/reports/export.csv?"+q.Encode(), *outPath, e, nil)
}

// jobLine is one line of a job's progress: "40% pågår: söker de bästa
// paren", the percentage, the state and the phase in words (the phase
// left out where it says what the state says: "100% klar").
func (e Env) jobLine(percent int32, state, phase string) string {
	if phase == "" || phase == state {
		return fmt.Sprintf("%3d%% %s", percent, state)
	}
	return fmt.Sprintf("%3d%% %s: %s", percent, state, phase)
}

// withAttempts is line with what a job's attempts say in the web app's
// words, after " · ": "Togs över efter ett avbrott (försök 2)" while it
// runs, "Behövde 2 försök: ..." on a done job's result, "Misslyckades
// i försök 2" on a failed one's (ADR 0199). A job on its first attempt
// leaves line as it is: mp's output stays as it was for nearly every job.
func (e Env) withAttempts(line string, attempts int32, done, failed bool) string {
	key := "job.taken_over"
	switch {
	case attempts < 2:
		return line
	case done:
		key = "job.taken_over.done"
	case failed:
		key = "job.taken_over.failed"
	}
	return line + " · " + e.d(key, "Attempts", attempts)
}

// emptyJob says why a finished job proposed nothing, in mp's language
// ("" when it proposed something). English is emptyjob's sentence; the
// Swedish is the web app's job line, from the same catalogue messages.
func (e Env) emptyJob(k emptyjob.Counts) string {
	if e.words().lang == "en" {
		return emptyjob.Sentence(k)
	}
	return emptyjob.Text(k, func(key string, data map[string]any) string { return catalog.Data(e.words().lang, key, data, nil) })
}

// rule is a mentoring score rule in the web's words: its short label
// ("gemensamt språk"), else its explanation ("båda har familj"), never
// the rule's name.
func (e Env) rule(name string) string {
	if s := e.t("rule." + name); s != "rule."+name {
		return s
	}
	if s := e.t("why." + name); s != "why."+name {
		return lowerFirst(s)
	}
	return strings.ReplaceAll(name, "_", " ")
}
