package server_test

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// proposalRowRe reads a proposal row of the matching page: its pair id and
// its points (the fourth cell).
var proposalRowRe = regexp.MustCompile(`(?s)<tr id="pair-([^"]+)">.*?</td>\s*<td>[^<]*</td><td>[^<]*</td><td>(-?\d+)</td>`)

// TestProposalsRankedOnThePageAndInMp: a job's 120-odd proposals on the
// matching page, walked by its next links over three pages, are one
// ranking by points, highest first (ADR 0125 left each page sorted on its
// own while the service paged by id); `mp proposals list` prints the
// same ranking as the API's score order.
func TestProposalsRankedOnThePageAndInMp(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Rangordning", "0880")
	coord := e.coordinator(admin, "rank@example.org", org, "0880")
	tags := []string{"cooking", "football", "music", "chess"}
	const n = 130
	for i := range n {
		// Interests and Swedish levels vary so the points do.
		_, err := coord.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
			MunicipalityCode: "0880", GivenName: fmt.Sprintf("N%03d", i), FamilyName: "Test",
			Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
			SwedishLevel: typev1.SwedishLevel(1 + i%7), Household: &participantsv1.Household{Size: 1}, Interests: tags[:i%len(tags)+1][i%3%(i%len(tags)+1):],
			Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
		}}))
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 70 {
		mentor(t, coord, org, "0880", fmt.Sprintf("M%03d", i))
	}
	var job string
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		if job == "" {
			res, err := coord.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{RequestId: fmt.Sprintf("rank-%d", time.Now().UnixNano())}))
			if err != nil {
				return err
			}
			job = res.Msg.GetJob().GetId()
		}
		j, err := coord.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: job}))
		if err != nil {
			return err
		}
		switch s := j.Msg.GetJob().GetState(); s {
		case mentoringv1.JobState_JOB_STATE_SUCCEEDED:
			if p := j.Msg.GetJob().GetCounts().GetProposals(); p < 120 {
				job = "" // the pools were still filling: run again
				return fmt.Errorf("%d proposals", p)
			}
			return nil
		case mentoringv1.JobState_JOB_STATE_FAILED:
			job = ""
		}
		return fmt.Errorf("job %s", job)
	})
	list := func(order mentoringv1.PairOrder) (ids []string, scores []int) {
		t.Helper()
		tok := ""
		for range 100 {
			res, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: job, PageSize: 500, PageToken: tok, Order: order,
				Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}}))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range res.Msg.GetPairs() {
				ids, scores = append(ids, v.GetPair().GetId()), append(scores, int(v.GetPair().GetScore()))
			}
			if tok = res.Msg.GetNextPageToken(); tok == "" {
				return ids, scores
			}
		}
		t.Fatal("pages never end")
		return nil, nil
	}
	// The test can fail: in id order a later page of 50 holds a proposal
	// better than one on the first.
	_, byID := list(mentoringv1.PairOrder_PAIR_ORDER_UNSPECIFIED)
	if slices.Min(byID[:50]) >= slices.Max(byID[50:]) {
		t.Fatalf("scores in id order %v: no later page beats the first; the test proves nothing", byID)
	}
	ranked, rankedScores := list(mentoringv1.PairOrder_PAIR_ORDER_SCORE_DESC)

	b := e.browser()
	b.signIn("rank@example.org", password)
	var scores []int
	seen := map[string]bool{}
	path, pages := "/matching?job="+job, 0
	for path != "" && pages < 10 {
		code, body := b.get(path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		pages++
		for _, m := range proposalRowRe.FindAllStringSubmatch(body, -1) {
			s, _ := strconv.Atoi(m[2])
			scores, seen[m[1]] = append(scores, s), true
		}
		path = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if pages != 3 || len(seen) != len(ranked) || len(scores) != len(ranked) {
		t.Fatalf("%d pages showed %d proposals (%d distinct), want 3 pages of all %d", pages, len(scores), len(seen), len(ranked))
	}
	if !slices.IsSortedFunc(scores, func(a, b int) int { return b - a }) || !slices.Equal(scores, rankedScores) {
		t.Errorf("the pages' points %v, want one ranking %v", scores, rankedScores)
	}

	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "rank@example.org")
	var printed []string
	for _, line := range strings.Split(strings.TrimSpace(mp(t, dir, "proposals", "list", "-job", job)), "\n") {
		id, _, _ := strings.Cut(line, "\t")
		printed = append(printed, id)
	}
	if !slices.Equal(printed, ranked) {
		t.Errorf("mp proposals list = %v, want the ranking %v", printed, ranked)
	}
}
