package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// mailboxBenchPairs is how many pairs BenchmarkMailboxPage approves: each
// sends two offers, one to the newcomer and one to the mentor, so the
// mailbox holds 2 × mailboxBenchPairs messages to as many people.
const mailboxBenchPairs = 100

// BenchmarkMailboxPage times the page `mp mailbox list -page-size 200`
// asks for (ListMailbox through the gateway's API: notify's page, its
// count, and each recipient's name, ADR 0211), of 200 messages to 200
// people (100 newcomers, 100 mentors), on the whole stack over loopback
// with the gateway's view cache in a real redis-server (ADR 0218):
//   - notify-page: notify's ListMailbox alone, the same 200 messages with
//     no names: the plain page beside the others;
//   - api-page-warm: the gateway's page with the names in the cache;
//   - api-page-cold: the same with the cache emptied before each page
//     (not timed), as after a restart or the names' expiry;
//   - names-per-person-cold and names-batch-cold: the page's 200 names
//     alone, cold, read as the gateway read them before ADR 0222 (each
//     person alone, 8 at a time, as a newcomer or volunteer by the
//     message's template and then as the other) and as it reads them now
//     (Backend.PeopleNames: one call per service), through a Backend of
//     its own on the same services and Redis, in the same run.
//
// Each reports the cache's look-ups and misses per page (Redis's
// keyspace_hits and keyspace_misses): a name is looked up as a newcomer,
// and a mentor's then as a volunteer; a miss is a read of the service.
// Seeding (creates, a job, 100 approvals, 200 deliveries) is not timed.
func BenchmarkMailboxPage(b *testing.B) {
	addr := testutil.MustRedis(b)
	rc, err := cache.NewRedisClient("redis://" + addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rc.Close() })
	e := start(b, envOptions{notify: true, cache: cache.NewRedis(rc)})
	ctx := context.Background()
	admin := mailboxOfPairs(b, e, mailboxBenchPairs)
	const size = 2 * mailboxBenchPairs
	page := func() *gatewayv1.ListMailboxResponse {
		res, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PageSize: size}))
		if err != nil {
			b.Fatal(err)
		}
		return res.Msg
	}
	if res := page(); len(res.GetRecipientNames()) != size {
		b.Fatalf("%d recipients named, want %d", len(res.GetRecipientNames()), size)
	}
	names := pageNames(b, e, rc, page().GetMessages())
	adminClaims := auth.Claims{Subject: "bench", Role: auth.RoleAdmin}
	nc := notifyv1.NewNotificationServiceClient(e.claimsConn(e.addrs.Notify, adminClaims))
	for _, bm := range []struct {
		name  string
		cold  bool
		plain bool
	}{{"notify-page", false, true}, {"api-page-warm", false, false}, {"api-page-cold", true, false},
		{"names-per-person-cold", true, false}, {"names-batch-cold", true, false}} {
		b.Run(bm.name, func(b *testing.B) {
			var hits, misses int64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				if bm.cold {
					if err := rc.FlushDB(ctx).Err(); err != nil {
						b.Fatal(err)
					}
				}
				h0, m0 := keyspace(b, rc)
				b.StartTimer()
				if read := names[bm.name]; read != nil {
					if n := read(); n != size {
						b.Fatalf("%s: %d named, want %d", bm.name, n, size)
					}
				} else if bm.plain {
					res, err := nc.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PageSize: size})
					if err != nil || len(res.GetMessages()) != size {
						b.Fatalf("notify's page: %d, %v", len(res.GetMessages()), err)
					}
				} else if res := page(); len(res.GetRecipientNames()) != size {
					b.Fatalf("%d recipients named", len(res.GetRecipientNames()))
				}
				b.StopTimer()
				h1, m1 := keyspace(b, rc)
				hits, misses = hits+h1-h0, misses+m1-m0
			}
			b.ReportMetric(float64(hits+misses)/float64(b.N), "lookups/page")
			b.ReportMetric(float64(misses)/float64(b.N), "misses/page")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}

// mailboxOfPairs seeds e with as many newcomers and one-place mentors,
// runs a matching job and approves its proposals, waits until the
// development mailbox holds both offers of each pair, and returns the
// admin reading it.
func mailboxOfPairs(tb testing.TB, e *env, pairs int) *apiClient {
	tb.Helper()
	ctx := context.Background()
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Brevlåda", "0880")
	coord := e.coordinator(admin, "brev-bench@example.org", org, "0880")
	for k := range pairs {
		reader(tb, coord, org, "0880", fmt.Sprintf("Nour%03d", k), "sv")
		onePlaceMentor(tb, coord, org, "0880", fmt.Sprintf("Erik%03d", k))
	}
	start, err := coord.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{RequestId: "mailbox-pairs"}))
	if err != nil {
		tb.Fatal(err)
	}
	testutil.CheckFor(tb, 5*time.Minute, 200*time.Millisecond, func() error {
		j, err := coord.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: start.Msg.GetJob().GetId()}))
		if err != nil {
			return err
		}
		if s := j.Msg.GetJob().GetState(); s != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %v", s)
		}
		return nil
	})
	ps, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: start.Msg.GetJob().GetId(), PageSize: 500}))
	if err != nil || len(ps.Msg.GetPairs()) != pairs {
		tb.Fatalf("proposals: %d, %v; want %d", len(ps.Msg.GetPairs()), err, pairs)
	}
	for _, p := range ps.Msg.GetPairs() {
		if _, err := coord.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: p.GetPair().GetId()})); err != nil {
			tb.Fatal(err)
		}
	}
	testutil.CheckFor(tb, 5*time.Minute, 500*time.Millisecond, func() error {
		res, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PageSize: int32(2 * pairs)}))
		if err != nil {
			return err
		}
		if n := len(res.Msg.GetMessages()); n != 2*pairs {
			return fmt.Errorf("%d messages in the mailbox, want %d", n, 2*pairs)
		}
		return nil
	})
	return admin
}

// keyspace is Redis's count of key look-ups that found a key and that
// did not.
func keyspace(tb testing.TB, rc *redis.Client) (hits, misses int64) {
	tb.Helper()
	info, err := rc.Info(context.Background(), "stats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "keyspace_hits":
			hits = n
		case "keyspace_misses":
			misses = n
		}
	}
	return hits, misses
}

// onePlaceMentor is mentor with room for one newcomer, so a job of as
// many newcomers as mentors pairs each with a mentor of their own.
func onePlaceMentor(tb testing.TB, c *apiClient, org, muni, given string) string {
	tb.Helper()
	res, err := c.registry.CreateVolunteer(testutil.Context(tb), connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Andersson",
		Contact:   &typev1.Contact{Email: strings.ToLower(given) + "@example.org"},
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 1}},
		Interests: []string{"cooking"},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly),
			ValidUntil: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear: 1975, HouseholdSize: 1,
	}}))
	if err != nil {
		tb.Fatalf("create mentor: %v", err)
	}
	return res.Msg.GetVolunteer().GetId()
}

// pageNames returns BenchmarkMailboxPage's two ways of naming msgs'
// recipients, each returning how many it named: through a Backend of
// its own on e's services with its view cache in rc's Redis.
func pageNames(b *testing.B, e *env, rc *redis.Client, msgs []*notifyv1.MailboxMessage) map[string]func() int {
	b.Helper()
	bk, err := backend.New(e.addrs, e.key, "local", time.Now, cache.NewRedis(rc), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bk.Close)
	ctx := context.Background()
	volunteer := map[string]bool{}
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.GetPersonId())
		t := m.GetTemplate()
		volunteer[m.GetPersonId()] = t == notifyv1.Template_TEMPLATE_MENTEE_OFFER || t == notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED
	}
	return map[string]func() int{
		// ADR 0218's core.MailboxNames: each person once, 8 at a time,
		// a read per kind until one names them.
		"names-per-person-cold": func() int {
			var (
				mu    sync.Mutex
				wg    sync.WaitGroup
				named int
				slots = make(chan struct{}, 8)
			)
			for id, v := range volunteer {
				slots <- struct{}{}
				wg.Go(func() {
					defer func() { <-slots }()
					reads := []func(context.Context, string) (string, error){bk.ParticipantName, bk.VolunteerName}
					if v {
						reads[0], reads[1] = reads[1], reads[0]
					}
					for _, read := range reads {
						n, err := read(ctx, id)
						if status.Code(err) == codes.NotFound {
							continue
						}
						if err != nil {
							b.Error(err)
						}
						mu.Lock()
						named += min(len(n), 1)
						mu.Unlock()
						return
					}
				})
			}
			wg.Wait()
			return named
		},
		"names-batch-cold": func() int {
			got, err := bk.PeopleNames(ctx, ids, func(id string) []backend.Kind {
				if volunteer[id] {
					return []backend.Kind{backend.Volunteer, backend.Newcomer}
				}
				return []backend.Kind{backend.Newcomer, backend.Volunteer}
			})
			if err != nil {
				b.Fatal(err)
			}
			return len(got)
		},
	}
}
