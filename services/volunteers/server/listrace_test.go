package server_test

import (
	"sync"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestVolunteer_ConcurrentLists: lists read the records the index shares
// with every reader, and many of them at once (while the answers are
// encoded) must not write into those records. Under -race this failed
// when List gave each shared record its etag in place (ADR 0176).
func TestVolunteer_ConcurrentLists(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "Röda Korset Växjö", "0780")
	for range 3 {
		h.mustVolunteer(t, admin, volunteerIn(org.GetId(), "0780"))
	}
	const readers = 6
	etags := make([]map[string]string, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			etags[i] = map[string]string{}
			for range 10 {
				res, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{}, h.as(t, admin))
				if err != nil {
					t.Errorf("list: %v", err)
					return
				}
				for _, v := range res.GetVolunteers() {
					etags[i][v.GetId()] = v.GetEtag()
				}
			}
		}()
	}
	wg.Wait()
	for i := 1; i < readers; i++ {
		if len(etags[i]) != 3 {
			t.Fatalf("reader %d saw %d volunteers, want 3", i, len(etags[i]))
		}
		for id, e := range etags[i] {
			if e == "" || e != etags[0][id] {
				t.Errorf("%s: etag %q for one reader, %q for another", id, e, etags[0][id])
			}
		}
	}
}
