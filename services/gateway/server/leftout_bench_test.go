package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// leftOutBenchRows is how many newcomers BenchmarkLeftOutPage's job
// leaves out: a page of them.
const leftOutBenchRows = 200

// BenchmarkLeftOutPage times the left-out page of a mentoring job with
// leftOutBenchRows newcomers left out (every one's reason naming the two
// full mentors), on the whole stack over loopback with the gateway's
// cache in a real redis-server, emptied before each cold page (not
// timed) as after a restart or the names' expiry (ADR 0228):
//   - mentoring-page: mentoring's ListUnmatched alone, no names;
//   - api-page-cold and api-page-warm: the gateway's page
//     (ListUnmatchedNewcomers, what mp jobs unmatched and the web page
//     read), the cache emptied or not;
//   - names-per-newcomer-cold and names-batch-cold: the page's names
//     alone, cold, read as the gateway read them before ADR 0228 (each
//     newcomer's view alone, one after another, the mentors in one batch)
//     and as it reads them now (newcomers and mentors in one
//     Backend.PeopleNames), through a Backend of its own on the same
//     services and Redis, in the same run.
//
// Each reports the cache's look-ups and misses per page (Redis's
// keyspace_hits and keyspace_misses; a miss is a read of a service).
// Seeding (creates, a job) is not timed.
func BenchmarkLeftOutPage(b *testing.B) {
	rc, err := cache.NewRedisClient("redis://" + testutil.MustRedis(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rc.Close() })
	e := start(b, envOptions{cache: cache.NewRedis(rc)})
	ctx := context.Background()
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Utan Förslag", "0180")
	coord := e.coordinator(admin, "utan-bench@example.org", org, "0180")
	for k := range leftOutBenchRows + 2 {
		newcomer(b, coord, org, "0180", fmt.Sprintf("Nour%03d", k))
	}
	onePlaceMentor(b, coord, org, "0180", "Erik")
	onePlaceMentor(b, coord, org, "0180", "Eva")
	job := leftOutJob(b, coord, "utan-bench-", leftOutBenchRows+2, 2)
	page := func() *gatewayv1.ListUnmatchedNewcomersResponse {
		res, err := coord.matching.ListUnmatchedNewcomers(ctx, connect.NewRequest(&gatewayv1.ListUnmatchedNewcomersRequest{JobId: job.GetId(), PageSize: leftOutBenchRows}))
		if err != nil {
			b.Fatal(err)
		}
		return res.Msg
	}
	first := page()
	if n := len(first.GetUnmatched()); n != leftOutBenchRows {
		b.Fatalf("%d left out, want %d", n, leftOutBenchRows)
	}
	var newcomers, mentors []string
	seen := map[string]bool{}
	for _, u := range first.GetUnmatched() {
		newcomers = append(newcomers, u.GetParticipantId())
		for _, m := range u.GetMentors() {
			if !seen[m.GetVolunteerId()] {
				seen[m.GetVolunteerId()] = true
				mentors = append(mentors, m.GetVolunteerId())
			}
		}
	}
	if len(mentors) != 2 {
		b.Fatalf("reasons name %d mentors, want 2", len(mentors))
	}
	bk, err := backend.New(e.addrs, e.key, "local", time.Now, cache.NewRedis(rc), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bk.Close)
	m := mentoringv1.NewMentoringServiceClient(e.claimsConn(e.addrs.Mentoring, auth.Claims{Subject: "bench", Role: auth.RoleAdmin}))
	kinds := func(id string) []backend.Kind {
		if seen[id] {
			return []backend.Kind{backend.Volunteer}
		}
		return []backend.Kind{backend.Newcomer}
	}
	ways := []struct {
		name string
		cold bool
		read func() int // how many newcomers it named
	}{
		{"mentoring-page", false, func() int {
			res, err := m.ListUnmatched(ctx, &mentoringv1.ListUnmatchedRequest{JobId: job.GetId(), PageSize: leftOutBenchRows})
			if err != nil {
				b.Fatal(err)
			}
			return len(res.GetUnmatched())
		}},
		{"api-page-cold", true, func() int { return named(page()) }},
		{"api-page-warm", false, func() int { return named(page()) }},
		// ADR 0222's core.ListUnmatchedNewcomers: a view per newcomer, in
		// the row's order, then the mentors in one batch.
		{"names-per-newcomer-cold", true, func() int {
			n := 0
			for _, id := range newcomers {
				pv, err := bk.ParticipantView(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if pv.GetGivenName() != "" && pv.GetCreateTime() != nil {
					n++
				}
			}
			if got, err := bk.PeopleNames(ctx, mentors, kinds); err != nil || len(got) != len(mentors) {
				b.Fatalf("mentors: %d, %v", len(got), err)
			}
			return n
		}},
		{"names-batch-cold", true, func() int {
			got, err := bk.PeopleNames(ctx, append(append([]string{}, newcomers...), mentors...), kinds)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, id := range newcomers {
				if got[id].Name != "" && got[id].Registered != nil {
					n++
				}
			}
			return n
		}},
	}
	for _, w := range ways {
		b.Run(w.name, func(b *testing.B) {
			var hits, misses int64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				if w.cold {
					if err := rc.FlushDB(ctx).Err(); err != nil {
						b.Fatal(err)
					}
				}
				h0, m0 := keyspace(b, rc)
				b.StartTimer()
				if n := w.read(); n != leftOutBenchRows {
					b.Fatalf("%s: %d named, want %d", w.name, n, leftOutBenchRows)
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

// named counts the rows of a left-out page named with when registered.
func named(res *gatewayv1.ListUnmatchedNewcomersResponse) int {
	n := 0
	for _, u := range res.GetUnmatched() {
		if u.GetParticipantName() != "" && u.GetParticipantRegistered() != nil {
			n++
		}
	}
	return n
}
