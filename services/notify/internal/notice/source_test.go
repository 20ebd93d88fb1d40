package notice_test

import (
	"fmt"
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

// TestRegisterDown_AskedOncePerRetryNotPerMessage: 40 people's messages
// wait for a register that does not answer. The sender asks it at most
// Workers times when it finds it away, then leaves every waiting message
// untouched until DefaultSourceRetry has passed: an outage with
// thousands of messages waiting cost a failed call and two writes per
// message every two seconds (ADR 0194) before the wait was the source's.
// Back, every message goes out once.
func TestRegisterDown_AskedOncePerRetryNotPerMessage(t *testing.T) {
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	const people = 40
	e.dir.mu.Lock()
	for i := range people {
		e.dir.people[fmt.Sprintf("p-%d", i)] = notice.Person{FirstName: "P", Email: fmt.Sprintf("p%d@example.org", i), Language: "sv"}
	}
	e.dir.down = true
	e.dir.mu.Unlock()
	for i := range people {
		if err := e.svc.Plan(ctx, notice.Planned{CauseID: fmt.Sprintf("c-%d", i), PersonID: fmt.Sprintf("p-%d", i),
			Role: pb.Role_ROLE_NEWCOMER, Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: "pair-b",
			Template: pb.Template_TEMPLATE_CANCELLATION, OrganisationID: org, Municipality: muni}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.msgs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	const rounds = 10 // 5 retries' worth
	for range rounds {
		e.svc.SendDue(ctx)
		if err := e.msgs.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(notice.DefaultSourceRetry / 2)
	}
	e.dir.mu.Lock()
	asked := e.dir.asked
	e.dir.down = false
	e.dir.mu.Unlock()
	// One round in two is past the wait: at most Workers asks in each.
	if limit := rounds / 2 * notice.Workers; asked > limit {
		t.Errorf("the register was asked %d times in %d rounds with %d messages waiting, want at most %d (Workers per retry)",
			asked, rounds, people, limit)
	}
	e.clock.Add(notice.DefaultSourceRetry)
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		e.svc.SendDue(ctx)
		if n := len(e.mailbox()); n != people {
			return fmt.Errorf("%d of %d messages sent", n, people)
		}
		return nil
	})
	for _, m := range e.mailbox() {
		if m.GetAttempts() != 1 {
			t.Errorf("a message took %d attempts, want 1 (waiting is not an attempt)", m.GetAttempts())
		}
	}
}
