package notice_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// sweeps records what the retention sweeps report.
type sweeps struct {
	mu             sync.Mutex
	messages, lnks int
	oldest         time.Duration
	n              int
}

var _ notice.Metrics = (*sweeps)(nil)

func (s *sweeps) Sent(pb.Channel)         {}
func (s *sweeps) Failed(pb.Channel, bool) {}
func (s *sweeps) Retained(messages, links int, oldest time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages, s.lnks, s.oldest = s.messages+messages, s.lnks+links, oldest
	s.n++
}

func (s *sweeps) get() (int, int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages, s.lnks, s.oldest
}

// TestRetention: finished messages (sent, skipped) stay 90 days after
// they finished and then go, from deliveries and the mailbox, on two
// sweeping replicas counted once; a link stays 90 days past its expiry
// (the page says "expired" until then, "not recognised" after); a
// message still waiting is never removed; an old event delivered again
// plans nothing (the key keeps its marker); the sweeps report their
// progress.
func TestRetention(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	met := &sweeps{}
	withMetrics := func(d *notice.Deps) { d.Metrics = met }
	svc, other := e.serviceWith(notice.Channels{}, "replica-1", withMetrics), e.serviceWith(notice.Channels{}, "replica-2", withMetrics)
	e.svc = svc
	e.offerPair("ev-1")
	if err := svc.Plan(ctx, notice.Planned{CauseID: "c-gone", PersonID: "p-gone", Role: pb.Role_ROLE_NEWCOMER,
		Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: pairID, Template: pb.Template_TEMPLATE_CANCELLATION}); err != nil {
		t.Fatal(err)
	}
	e.sendUntil(func() error {
		if n := len(e.mailbox()); n != 2 {
			return fmt.Errorf("%d offers in the mailbox", n)
		}
		if d := adminDeliveries(t, e, "p-gone"); len(d) != 1 || d[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SKIPPED {
			return fmt.Errorf("the message to a person who is gone: %v", d)
		}
		return nil
	})
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	// A message planned now and never sent (no sender runs from here on).
	if err := svc.Plan(ctx, notice.Planned{CauseID: "c-waiting", PersonID: erik, Volunteer: true, Role: pb.Role_ROLE_MENTOR,
		Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: pairID, Template: pb.Template_TEMPLATE_CANCELLATION}); err != nil {
		t.Fatal(err)
	}
	sweep := func() {
		t.Helper()
		for _, s := range []*notice.Service{svc, other} {
			if err := s.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}

	e.clock.Add(89 * 24 * time.Hour)
	sweep()
	if m, l, oldest := met.get(); m != 0 || l != 0 || oldest < 89*24*time.Hour {
		t.Fatalf("after 89 days: removed %d messages, %d links, oldest kept %v", m, l, oldest)
	}
	if len(e.mailbox()) != 2 || len(adminDeliveries(t, e, amina)) != 1 {
		t.Fatal("a message went before its 90 days")
	}

	e.clock.Add(2 * 24 * time.Hour)
	sweep()
	if m, l, oldest := met.get(); m != 3 || l != 0 || oldest != 0 {
		t.Errorf("after 91 days: removed %d messages (want the 2 offers and the skipped one), %d links, oldest kept %v", m, l, oldest)
	}
	if n, d := len(e.mailbox()), adminDeliveries(t, e, amina); n != 0 || len(d) != 0 {
		t.Errorf("after 91 days: %d in the mailbox, deliveries %v", n, d)
	}
	if d := adminDeliveries(t, e, erik); len(d) != 1 || d[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_QUEUED {
		t.Errorf("the waiting message: %v", d)
	}
	if r, err := svc.ResolveLink(ctx, tok); err != nil || r.State != pb.LinkState_LINK_STATE_EXPIRED {
		t.Errorf("the link 84 days after its expiry: %+v, %v", r, err)
	}
	e.offerPair("ev-1") // delivered again
	if d := adminDeliveries(t, e, amina); len(d) != 0 {
		t.Errorf("an old event delivered again planned %v", d)
	}

	e.clock.Add(7 * 24 * time.Hour)
	sweep()
	if m, l, _ := met.get(); m != 3 || l != 2 {
		t.Errorf("after the links' 90 days: removed %d messages, %d links; want 3 and 2", m, l)
	}
	if r, err := svc.ResolveLink(ctx, tok); err != nil || r.State != pb.LinkState_LINK_STATE_INVALID {
		t.Errorf("the link 91 days after its expiry: %+v, %v", r, err)
	}
}
