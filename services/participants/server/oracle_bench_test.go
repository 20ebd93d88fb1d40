package server_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/cache"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// oracleIDs is how many ids of each kind the oracle benchmark reads: a
// batch names up to 200 (people.MaxNameIDs).
const oracleIDs = 200

// BenchmarkReadByIDOracle times what another organisation's coordinator
// (coordB) is answered for ids of orgA's participants ("foreign"), of no
// one ("unknown") and of erased participants ("erased"), on a real Redis,
// one kind after the other in each iteration so load falls on all alike:
// one id by GetParticipant and 200 by BatchGetParticipantNames, with the
// cache warm and with each id's cached entry deleted first (cold). Each
// kind's median is reported beside the others (foreign-µs, unknown-µs,
// erased-µs): the answers are the same, and so must the times be (ADR
// 0235; ADR 0227 found 2.0 ms against 21.2 ms for 200).
func BenchmarkReadByIDOracle(b *testing.B) {
	addr, rc := mustRedisClient(b)
	probe := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { _ = probe.Close() })
	e := startWith(b, testutil.MustNATS(b), nil, cache.NewRedis(rc))
	ctx := context.Background()
	kinds := oracleKinds(b, e)
	other := e.as(coordB)
	for _, shape := range []struct {
		name string
		n    int
	}{{"get", 1}, {"batch200", oracleIDs}} {
		for _, cold := range []bool{false, true} {
			name := shape.name + "/warm"
			if cold {
				name = shape.name + "/cold"
			}
			b.Run(name, func(b *testing.B) {
				if !cold {
					// Every id read once, so the first round is warm too.
					for _, kind := range kinds {
						for j := 0; j < oracleIDs; j += shape.n {
							oracleRead(b, ctx, other, kind.ids[j:][:shape.n])
						}
					}
				}
				took := make([][]time.Duration, len(kinds))
				i := 0
				for b.Loop() {
					for k, kind := range kinds {
						asked := kind.ids[i*shape.n%oracleIDs:][:shape.n]
						if cold {
							b.StopTimer()
							keys := make([]string, len(asked))
							for j, id := range asked {
								keys[j] = "participants:participant/" + id
							}
							if err := probe.Del(ctx, keys...).Err(); err != nil {
								b.Fatal(err)
							}
							b.StartTimer()
						}
						start := time.Now()
						oracleRead(b, ctx, other, asked)
						took[k] = append(took[k], time.Since(start))
					}
					i++
				}
				for k, kind := range kinds {
					b.ReportMetric(median(took[k]), kind.name+"-µs")
				}
			})
		}
	}
}

// oracleKind is a kind of id the oracle benchmark reads.
type oracleKind struct {
	name string
	ids  []string
}

// oracleKinds creates oracleIDs participants of orgA twice, erases the
// second lot, and makes oracleIDs ids of no one.
func oracleKinds(b *testing.B, e *env) []oracleKind {
	ctx := context.Background()
	c := e.as(admin)
	foreign, erased, unknown := make([]string, oracleIDs), make([]string, oracleIDs), make([]string, oracleIDs)
	for i := range oracleIDs {
		for _, into := range [][]string{foreign, erased} {
			res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
			if err != nil {
				b.Fatal(err)
			}
			into[i] = res.GetParticipant().GetId()
		}
		if _, err := c.EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: erased[i]}); err != nil {
			b.Fatal(err)
		}
		unknown[i] = ids.UUIDv7{}.New()
	}
	return []oracleKind{{"foreign", foreign}, {"unknown", unknown}, {"erased", erased}}
}

// oracleRead reads asked as coordB: one id by GetParticipant, more by
// BatchGetParticipantNames; each must answer as for no one.
func oracleRead(b *testing.B, ctx context.Context, c pb.ParticipantServiceClient, asked []string) {
	if len(asked) == 1 {
		if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: asked[0]}); code(err) != codes.NotFound {
			b.Fatalf("GetParticipant as another organisation: %v, want NotFound", err)
		}
		return
	}
	res, err := c.BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{Ids: asked})
	if err != nil || len(res.GetNames()) != 0 {
		b.Fatalf("BatchGetParticipantNames as another organisation: %d names, %v; want none", len(res.GetNames()), err)
	}
}

// median is the middle of ds in microseconds.
func median(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Nanoseconds()) / 1e3
}
