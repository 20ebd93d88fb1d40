package server_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// waitingBenchNewcomers is the scope's size in BenchmarkWaitingPage: ten
// times the demo's largest organisation, twice the old path's cap.
const waitingBenchNewcomers = 20_000

// BenchmarkWaitingPage times one page of the waiting list on a scope of
// 20,000 consenting newcomers (one organisation, two municipalities) and
// 10 mentors with the proposals of one job, on the whole stack over
// loopback (ADR 0172):
//   - old-gateway-reads: what the gateway read for every page before ADR
//     0172 (every open and ended pair, then the consenting newcomers 500
//     at a time up to its cap of 10,000), as the coordinator;
//   - mentoring-walk: mentoring's ListWaitingNewcomers, the scope's list
//     made anew (each call from another scope, so none is cached): the
//     walk of the pool and the pairs in memory;
//   - mentoring-cached: the same scope's next page, from the list kept
//     while nothing changed;
//   - api-page: the gateway's ListWaitingNewcomers, 50 rows with names,
//     audited, as the web page and mp ask for it.
//
// Seeding (20,000 creates) is not timed.
func BenchmarkWaitingPage(b *testing.B) {
	e := start(b, envOptions{})
	ctx := context.Background()
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Bench", "0180", "0380")
	coord := e.coordinator(admin, "bench@example.org", org, "0180", "0380")
	pc := e.participantsClient()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := next.Add(1); k <= waitingBenchNewcomers; k = next.Add(1) {
				_, err := pc.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
					OrganisationId: org, MunicipalityCode: []string{"0180", "0380"}[k%2], GivenName: fmt.Sprintf("N%05d", k), FamilyName: "Hassan",
					Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
					SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1},
					Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
				}})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for k := range 10 {
		mentor(b, coord, org, "0180", fmt.Sprintf("M%02d", k))
	}
	coordClaims := auth.Claims{Subject: "bench", Role: auth.RoleCoordinator, Organisation: org, Municipalities: []string{"0180", "0380"}}
	m := mentoringv1.NewMentoringServiceClient(e.claimsConn(e.addrs.Mentoring, coordClaims))
	testutil.CheckFor(b, 5*time.Minute, time.Second, func() error {
		res, err := m.ListWaitingNewcomers(ctx, &mentoringv1.ListWaitingNewcomersRequest{PageSize: 1})
		if err != nil || res.GetTotalSize() != waitingBenchNewcomers {
			return fmt.Errorf("mentoring's pool: %d waiting (%v), want %d", res.GetTotalSize(), err, waitingBenchNewcomers)
		}
		return nil
	})
	started, err := coord.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{RequestId: "bench"}))
	if err != nil {
		b.Fatal(err)
	}
	testutil.CheckFor(b, 5*time.Minute, time.Second, func() error {
		j, err := coord.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: started.Msg.GetJob().GetId()}))
		if err != nil || j.Msg.GetJob().GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %v, %v", j.Msg.GetJob().GetState(), err)
		}
		b.Logf("job: %d proposals", j.Msg.GetJob().GetCounts().GetProposals())
		return nil
	})

	b.Run("old-gateway-reads", func(b *testing.B) {
		p := participantsv1.NewParticipantServiceClient(e.claimsConn(e.addrs.Participants, coordClaims))
		read := 0
		for b.Loop() {
			read = oldWaitingReads(ctx, b, m, p)
		}
		b.ReportMetric(float64(read), "rows-read")
	})
	b.Run("mentoring-walk", func(b *testing.B) {
		// Twenty scopes, each the two municipalities and one more with
		// nobody: more than the 16 lists kept, so every call walks.
		var clients []mentoringv1.MentoringServiceClient
		for _, mu := range municipality.All() {
			if len(clients) == 20 {
				break
			}
			if mu.Code != "0180" && mu.Code != "0380" {
				c := coordClaims
				c.Municipalities = []string{"0180", "0380", mu.Code}
				clients = append(clients, mentoringv1.NewMentoringServiceClient(e.claimsConn(e.addrs.Mentoring, c)))
			}
		}
		k := 0
		for b.Loop() {
			res, err := clients[k%len(clients)].ListWaitingNewcomers(ctx, &mentoringv1.ListWaitingNewcomersRequest{PageSize: 50})
			if err != nil || len(res.GetNewcomers()) != 50 {
				b.Fatalf("%d rows, %v", len(res.GetNewcomers()), err)
			}
			k++
		}
	})
	b.Run("mentoring-cached", func(b *testing.B) {
		first, err := m.ListWaitingNewcomers(ctx, &mentoringv1.ListWaitingNewcomersRequest{PageSize: 50})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			res, err := m.ListWaitingNewcomers(ctx, &mentoringv1.ListWaitingNewcomersRequest{PageSize: 50, PageToken: first.GetNextPageToken()})
			if err != nil || len(res.GetNewcomers()) != 50 {
				b.Fatalf("%d rows, %v", len(res.GetNewcomers()), err)
			}
		}
	})
	b.Run("api-page", func(b *testing.B) {
		for b.Loop() {
			res, err := coord.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{PageSize: 50}))
			if err != nil || len(res.Msg.GetNewcomers()) != 50 || res.Msg.GetNewcomers()[0].GetParticipantName() == "" {
				b.Fatalf("%v, %v", res, err)
			}
		}
	})
}

// oldWaitingReads reads what core.ListWaitingNewcomers read for every
// page before ADR 0172 (its loops, with its cap of 10,000 rows a list),
// and returns the rows read.
func oldWaitingReads(ctx context.Context, b *testing.B, m mentoringv1.MentoringServiceClient, p participantsv1.ParticipantServiceClient) int {
	const maxRead = 10_000
	read := 0
	open := map[string]bool{}
	for _, statuses := range [][]eventsv1.PairStatus{{eventsv1.PairStatus_PAIR_STATUS_PROPOSED, eventsv1.PairStatus_PAIR_STATUS_OFFERED, eventsv1.PairStatus_PAIR_STATUS_ACTIVE},
		{eventsv1.PairStatus_PAIR_STATUS_ENDED}} {
		for token, n := "", 0; ; {
			res, err := m.ListPairs(ctx, &mentoringv1.ListPairsRequest{Statuses: statuses, PageSize: 500, PageToken: token})
			if err != nil {
				b.Fatal(err)
			}
			for _, x := range res.GetPairs() {
				open[x.GetParticipantId()] = open[x.GetParticipantId()] || x.GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ENDED
			}
			n += len(res.GetPairs())
			if token = res.GetNextPageToken(); token == "" || n >= maxRead {
				read += n
				break
			}
		}
	}
	var ids []string
	for token, n := "", 0; ; {
		res, err := p.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{PageSize: 500, PageToken: token,
			ConsentPurpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING})
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range res.GetParticipants() {
			if !open[x.GetId()] {
				ids = append(ids, x.GetId())
			}
		}
		n += len(res.GetParticipants())
		if token = res.GetNextPageToken(); token == "" || n >= maxRead {
			read += n
			break
		}
	}
	slices.Sort(ids)
	return read
}

// claimsConn dials the service at addr acting as c, closed when the test
// ends.
func (e *env) claimsConn(addr string, c auth.Claims) *grpc.ClientConn {
	e.t.Helper()
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(e.key, "local", time.Now), c, time.Minute))
	conn, err := grpcx.Dial(addr, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	return conn
}
