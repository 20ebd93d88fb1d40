package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/emptyjob"
)

func startJob(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("jobs start", flag.ContinueOnError)
	org := fs.String("organisation", "", "organisation id (admins)")
	munis := fs.String("municipalities", "", "municipality codes, comma separated (default: all of yours)")
	follow := fs.Bool("follow", false, "follow the job's progress to the end")
	if err := fs.Parse(args); err != nil {
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

// watchJob polls the job until it finishes, printing progress changes.
func watchJob(ctx context.Context, c *clients, id string, e env) error {
	last := ""
	for {
		res, err := c.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: id}))
		if err != nil {
			return err
		}
		j := res.Msg.GetJob()
		line := fmt.Sprintf("%3d%% %s %s", j.GetProgressPercent(), strings.ToLower(strings.TrimPrefix(j.GetState().String(), "JOB_STATE_")), j.GetPhase())
		if line != last {
			fmt.Fprintln(e.Out, line)
			last = line
		}
		switch j.GetState() {
		case mentoringv1.JobState_JOB_STATE_SUCCEEDED:
			fmt.Fprintf(e.Out, "proposals: %d, unmatched: %d\n", j.GetCounts().GetProposals(), j.GetCounts().GetUnmatched())
			if why := emptyjob.Sentence(emptyjob.FromMentoring(j.GetCounts())); why != "" {
				fmt.Fprintln(e.Out, why)
			}
			return nil
		case mentoringv1.JobState_JOB_STATE_FAILED:
			return errors.New("the job failed; try again, and tell your administrator if it keeps failing")
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
	job := fs.String("job", "", "only proposals of this job")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Every page, not the first 200 (issue 12: 200 of 265 were shown
	// without a word).
	return pages(func(token string) (string, error) {
		res, err := c.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: *job, PageSize: 200, PageToken: token,
			Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}}))
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetPairs() {
			var why []string
			for _, p := range v.GetPair().GetScoreParts() {
				why = append(why, fmt.Sprintf("%s=%d", p.GetRule(), p.GetPoints()))
			}
			fmt.Fprintf(e.Out, "%s\t%s + %s\tscore %d (%s)\n", v.GetPair().GetId(), v.GetParticipantName(), v.GetVolunteerName(),
				v.GetPair().GetScore(), strings.Join(why, " "))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

func decide(ctx context.Context, c *clients, what string, args []string, e env) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: mp proposals %s ID", what)
	}
	var v *gatewayv1.PairView
	if what == "approve" {
		res, err := c.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: args[0]}))
		if err != nil {
			return err
		}
		v = res.Msg.GetPair()
	} else {
		res, err := c.matching.RejectPair(ctx, connect.NewRequest(&gatewayv1.RejectPairRequest{Id: args[0], Reason: eventsv1.RejectReason_REJECT_REASON_POOR_FIT}))
		if err != nil {
			return err
		}
		v = res.Msg.GetPair()
	}
	fmt.Fprintf(e.Out, "%s %s\n", v.GetPair().GetId(), strings.ToLower(strings.TrimPrefix(v.GetPair().GetStatus().String(), "PAIR_STATUS_")))
	return nil
}

// exportReport downloads the CSV the web app's Reports page exports.
func exportReport(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("report export", flag.ContinueOnError)
	outPath := fs.String("o", "", "write to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return downloadCSV(ctx, c, "/reports/export.csv?format=machine", *outPath, e)
}
