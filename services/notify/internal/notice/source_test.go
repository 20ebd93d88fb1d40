package notice_test

import (
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestRegisterDown_SentSoonAfterItIsBack: an offer is planned while the
// register notify reads the people from does not answer (both register
// processes killed, ADR 0190), and stays down for a minute of the
// sender's clock. The messages wait, without being given up (the
// harness gives up after 5 attempts), and go out once each no later than
// DefaultSourceRetry after the register is back. Before, each failed
// read was an attempt: the delay grew (1 s, 2 s, 4 s ... here; 5 s, 10 s,
// 20 s ... by default, the 8-25 s ADR 0190 measured) and the fifth gave
// the message up.
func TestRegisterDown_SentSoonAfterItIsBack(t *testing.T) {
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.dir.mu.Lock()
	e.dir.down = true
	e.dir.mu.Unlock()
	e.offerPair("ev-offer-down")
	for range 60 {
		e.svc.SendDue(ctx)
		e.clock.Add(time.Second)
	}
	if err := e.msgs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{amina, erik} {
		pg, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "person", Values: []string{who}})
		if err != nil || len(pg.Items) != 1 {
			t.Fatalf("%s: %d messages (%v), want 1", who, len(pg.Items), err)
		}
		if m := pg.Items[0]; m.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_QUEUED || m.GetAttempts() != 0 {
			t.Errorf("%s's offer after a minute without the register: %s, %d attempts; want it queued, no attempt made",
				who, m.GetStatus(), m.GetAttempts())
		}
	}

	e.dir.mu.Lock()
	e.dir.down = false
	e.dir.mu.Unlock()
	e.clock.Add(notice.DefaultSourceRetry)
	e.svc.SendDue(ctx)
	if err := e.msgs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{amina, erik} {
		pg, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "person", Values: []string{who}})
		if err != nil || len(pg.Items) != 1 {
			t.Fatalf("%s: %d messages (%v), want 1", who, len(pg.Items), err)
		}
		if m := pg.Items[0]; m.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT || m.GetAttempts() != 1 {
			t.Errorf("%s's offer %v after the register came back: %s after %d attempts, want sent at the first",
				who, notice.DefaultSourceRetry, m.GetStatus(), m.GetAttempts())
		}
	}
	if n := len(e.mailbox()); n != 2 {
		t.Errorf("%d messages in the mailbox, want 2 (one each)", n)
	}
}
