package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
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

// TestLeftOutPageNamesInOneCall: the left-out page of a mentoring job
// (/matching/jobs/{id}/unmatched, and mp jobs unmatched through the API's
// ListUnmatchedNewcomers) read each newcomer alone, a GetParticipant per
// row the cache lacked, for the name and when they were registered (ADR
// 0222 batched only the mentors). Three left out, two of them Tesfay
// Berhane of one municipality, one whose mentor is full, the cache
// emptied: each page reads the names in one BatchGetParticipantNames and
// one BatchGetVolunteerNames and no Get, names all three, and tells the
// two Tesfay apart by when each was registered; the same page again reads
// nothing (ADR 0228). From a participants service of before, whose names
// carry no registration, each newcomer is read whole as before, and the
// rows read alike.
func TestLeftOutPageNamesInOneCall(t *testing.T) {
	t.Parallel()
	logs := &testutil.LogBuffer{}
	older := &atomic.Bool{}
	e, rc, _ := startWithRedis(t, envOptions{logs: logs, logLevel: slog.LevelDebug, olderParticipants: older})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Vänner", "0180")
	coord := e.coordinator(admin, "leftcalls@example.org", org, "0180")
	for _, n := range []string{"Leila", "Samir", "Yusuf"} {
		newcomer(t, coord, org, "0180", n)
	}
	for range 2 {
		tigrinyaOnly(t, coord, org, "0180", "Tesfay")
	}
	mentor(t, coord, org, "0180", "Karin") // two places, for two of the three Arabic speakers
	job := leftOutJob(t, coord, "leftcalls-", 5, 1)
	if c := job.GetCounts(); c.GetUnmatched() != 3 {
		t.Fatalf("job counts %v, want 3 unmatched", c)
	}
	br := e.swedishBrowserAs("leftcalls@example.org", password)
	pages := []struct {
		name string
		// told is how many rows are named, and how many of them carry
		// when they were registered.
		told func() (named, registered int)
	}{
		{"the API's page (mp jobs unmatched)", func() (int, int) {
			res, err := coord.matching.ListUnmatchedNewcomers(ctx, connect.NewRequest(&gatewayv1.ListUnmatchedNewcomersRequest{JobId: job.GetId(), PageSize: 50}))
			if err != nil {
				t.Fatal(err)
			}
			named, registered := 0, 0
			for _, u := range res.Msg.GetUnmatched() {
				if u.GetParticipantName() != "" {
					named++
				}
				if u.GetParticipantRegistered() != nil {
					registered++
				}
			}
			return named, registered
		}},
		{"/matching/jobs/{id}/unmatched", func() (int, int) {
			code, body := br.get("/matching/jobs/" + job.GetId() + "/unmatched")
			if code != http.StatusOK {
				t.Fatalf("left-out page: %d\n%s", code, trim(body))
			}
			text := visibleText(body)
			return strings.Count(text, "Tesfay Berhane") + strings.Count(text, " Hassan"), strings.Count(body, `Tesfay Berhane</a> <span class="muted">(registrerad 20`)
		}},
	}
	for _, pg := range pages {
		for _, mode := range []string{"cold", "warm", "cold, older participants"} {
			cold := mode != "warm"
			older.Store(mode == "cold, older participants")
			if cold {
				if err := rc.FlushDB(context.Background()).Err(); err != nil {
					t.Fatal(err)
				}
			}
			var named, registered int
			got := map[string]int{}
			// Warm: the names the cold read cached. A cache write is
			// dropped when a person's event reaches the gateway between
			// its read and its write (the cache's mark), and the setup's
			// events may still be arriving on a loaded machine (CI,
			// 2026-12-07: one warm read asked again): a few reads, the
			// last of which must ask no service.
			for try := 0; try < 5; try++ {
				before := serviceCalls(logs)
				named, registered = pg.told()
				after := serviceCalls(logs)
				clear(got)
				for _, m := range nameReads {
					if n := after[m] - before[m]; n > 0 {
						got[m] = n
					}
				}
				if mode != "warm" || len(got) == 0 {
					break
				}
			}
			want := map[string]int{"BatchGetParticipantNames": 1, "BatchGetVolunteerNames": 1}
			switch mode {
			case "warm":
				want = map[string]int{}
			case "cold, older participants":
				// Names without registration: each newcomer read whole,
				// as before.
				want["GetParticipant"] = 3
			}
			wantRegistered := 3 // the API gives every row's; the page shows the namesakes'
			if strings.HasPrefix(pg.name, "/") {
				wantRegistered = 2
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || named != 3 || registered != wantRegistered {
				t.Errorf("%s (%s): %d of 3 named, %d with when registered (want %d); reads %v, want %v",
					pg.name, mode, named, registered, wantRegistered, got, want)
			}
		}
	}
}

// tigrinyaOnly registers a newcomer who shares no language with the
// test's mentors (Tigrinya only, no Swedish yet), so a job leaves them
// out with no mentor the rules allow.
func tigrinyaOnly(tb testing.TB, c *apiClient, org, muni, given string) string {
	tb.Helper()
	res, err := c.registry.CreateParticipant(testutil.Context(tb), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Berhane",
		Languages:    []*typev1.LanguageSkill{{Code: "ti", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_NONE, Household: &participantsv1.Household{Size: 1},
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
	}}))
	if err != nil {
		tb.Fatalf("create newcomer: %v", err)
	}
	return res.Msg.GetParticipant().GetId()
}

// leftOutJob runs mentoring jobs as c until one sees newcomers and
// mentors (the pools follow the streams a moment behind the creates),
// and returns it.
func leftOutJob(tb testing.TB, c *apiClient, prefix string, newcomers, mentors int32) *mentoringv1.Job {
	tb.Helper()
	ctx := testutil.Context(tb)
	var job *mentoringv1.Job
	testutil.CheckFor(tb, 2*time.Minute, 200*time.Millisecond, func() error {
		res, err := c.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{RequestId: fmt.Sprintf("%s%d", prefix, time.Now().UnixNano())}))
		if err != nil {
			return err
		}
		testutil.CheckFor(tb, time.Minute, 100*time.Millisecond, func() error {
			j, err := c.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: res.Msg.GetJob().GetId()}))
			if err != nil {
				return err
			}
			if job = j.Msg.GetJob(); job.GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
				return fmt.Errorf("job %v", job.GetState())
			}
			return nil
		})
		if k := job.GetCounts(); k.GetNewcomers() != newcomers || k.GetMentors() != mentors {
			return fmt.Errorf("job saw %d newcomers and %d mentors, want %d and %d", k.GetNewcomers(), k.GetMentors(), newcomers, mentors)
		}
		return nil
	})
	return job
}
