package notice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/internal/ratelimit"
)

// brokenLimits is a shared limiter whose store is unreachable.
type brokenLimits struct{}

func (brokenLimits) Allow(context.Context, string, int, time.Duration) (bool, error) {
	return false, errors.New("nats: no responders")
}

// TestLinkLimitAcrossReplicas: with the shared counter (JetStream KV), a
// link's 20 look-ups a minute are 20 for all replicas together, not 20
// each; when the shared counter cannot be reached, each replica's own
// count still limits (fails open to the per-replica limit, not to none).
func TestLinkLimitAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	shared, err := ratelimit.Open(ctx, e.nats.JS, 1, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	one := e.serviceWith(notice.Channels{}, "replica-1", func(d *notice.Deps) { d.Limiter = shared })
	two := e.serviceWith(notice.Channels{}, "replica-2", func(d *notice.Deps) { d.Limiter = shared })
	e.svc = one
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		if to(e.mailbox(), amina) == nil {
			return errors.New("no offer yet")
		}
		return nil
	})
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	looks := func(s *notice.Service, n int) (ok int) {
		for range n {
			if _, err := s.ResolveLink(ctx, tok); err == nil {
				ok++
			} else if !errors.Is(err, notice.ErrRateLimited) {
				t.Fatal(err)
			}
		}
		return ok
	}
	if a, b := looks(one, 12), looks(two, 12); a != 12 || b != notice.LinkAttempts-12 {
		t.Errorf("12 look-ups on each replica: %d and %d allowed, want 12 and %d", a, b, notice.LinkAttempts-12)
	}
	e.clock.Add(notice.LinkPeriod)
	if a := looks(two, 1); a != 1 {
		t.Error("the next minute is still limited")
	}

	e.clock.Add(notice.LinkPeriod)
	down := e.serviceWith(notice.Channels{}, "replica-3", func(d *notice.Deps) { d.Limiter = brokenLimits{} })
	if a := looks(down, notice.LinkAttempts+5); a != notice.LinkAttempts {
		t.Errorf("with the shared counter down: %d of %d allowed, want this replica's %d", a, notice.LinkAttempts+5, notice.LinkAttempts)
	}
}
