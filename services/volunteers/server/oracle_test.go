package server_test

import (
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/volunteers/internal/volunteer"
)

// TestReadByIDCostsAlike: as another organisation's coordinator, a
// volunteer of organisation A, an id of no one and an erased volunteer
// are read after the same store reads (direct gets and leader reads of
// the volunteers bucket), the first time (the cache cold) and the second
// (warm), by GetVolunteer and by BatchGetVolunteerNames; before ADR 0235
// the first cost a direct get the first time and nothing the second,
// the others a direct get and a leader read each time.
func TestReadByIDCostsAlike(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	reads := map[string]int{}
	count := func(kind, bucket string) {
		if bucket == volunteer.Bucket {
			mu.Lock()
			reads[kind]++
			mu.Unlock()
		}
	}
	h := startHooked(t, testutil.MustNATS(t), nil, &store.Hooks{
		BeforeGet:       func(bucket, _ string) { count("direct", bucket) },
		BeforeLeaderGet: func(bucket, _ string) error { count("leader", bucket); return nil },
	})
	ctx := testutil.Context(t)
	a, b := h.mustOrg(t, "Förening A", "0180").GetId(), h.mustOrg(t, "Förening B", "0180").GetId()
	ca, cb := coordinator(a, "0180"), coordinator(b, "0180")
	// cost reads asked as cb twice and returns the reads each cost.
	cost := func(asked []string) map[string]int {
		out := map[string]int{}
		for _, pass := range []string{"cold", "warm"} {
			mu.Lock()
			clear(reads)
			mu.Unlock()
			if len(asked) == 1 {
				_, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: asked[0]}, h.as(t, cb))
				if status.Code(err) != codes.NotFound {
					t.Fatalf("GetVolunteer as another organisation: %v, want NotFound", err)
				}
			} else {
				res, err := h.client.BatchGetVolunteerNames(ctx, &pb.BatchGetVolunteerNamesRequest{Ids: asked}, h.as(t, cb))
				if err != nil || len(res.GetNames()) != 0 {
					t.Fatalf("BatchGetVolunteerNames as another organisation: %v, %v; want none", res.GetNames(), err)
				}
			}
			mu.Lock()
			for k, v := range reads {
				out[pass+" "+k] = v
			}
			mu.Unlock()
		}
		return out
	}
	// fresh makes size ids of each kind, never read before.
	fresh := func(size int) map[string][]string {
		kinds := map[string][]string{}
		for range size {
			kinds["foreign"] = append(kinds["foreign"], h.mustVolunteer(t, ca, volunteerIn(a, "0180")).GetId())
			erased := h.mustVolunteer(t, ca, volunteerIn(a, "0180")).GetId()
			if _, err := h.client.EraseVolunteer(ctx, &pb.EraseVolunteerRequest{Id: erased}, h.as(t, admin)); err != nil {
				t.Fatal(err)
			}
			kinds["erased"] = append(kinds["erased"], erased)
			kinds["unknown"] = append(kinds["unknown"], ids.UUIDv7{}.New())
		}
		return kinds
	}
	for _, size := range []int{1, 3} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			// A create's eviction (the watch's) may land between the two
			// reads and make the second cold: ask again with new ids.
			testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
				kinds := fresh(size)
				got := map[string]map[string]int{}
				for kind, asked := range kinds {
					got[kind] = cost(asked)
				}
				for _, kind := range []string{"unknown", "erased"} {
					if !maps.Equal(got["foreign"], got[kind]) {
						return fmt.Errorf("reads of a foreign id %v, of an %s one %v; want the same", got["foreign"], kind, got[kind])
					}
				}
				return nil
			})
		})
	}
}
