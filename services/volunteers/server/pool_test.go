package server_test

import (
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestCreateTakesKeyMadeAhead: with a keyring, volunteers take the ids of
// new people from seal.Pool, so once creates come at a steady rate a new
// volunteer's data key was stored before the request that created them
// was sent (docs/adr/0034, 0013). Without the pool every key is made on
// first use, after the request is sent, and the test fails.
func TestCreateTakesKeyMadeAhead(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	h := startWith(t, n, kr)
	org := h.mustOrg(t, "Pool", "0180")
	kv, err := n.JS.KeyValue(ctx, seal.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	me := h.as(t, admin)
	// The pool keeps keys once it has seen at least 4 creates in a
	// second; 20 a second for up to 10 s is far above that.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < 200; i++ {
		<-tick.C
		sent := time.Now()
		res, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{
			Volunteer: volunteerIn(org.GetId(), "0180"), RequestId: ids.UUIDv7{}.New(),
		}, me)
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		e, err := kv.Get(ctx, res.GetVolunteer().GetId())
		if err != nil {
			t.Fatalf("key of volunteer %d: %v", i, err)
		}
		if e.Created().Before(sent) {
			return // made ahead, by the pool
		}
	}
	t.Fatal("200 creates at 20/s: every volunteer's key was made after its request was sent; want keys made ahead")
}
