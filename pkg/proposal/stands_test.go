package proposal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// kitEvents is the number of the programme's events on the stream once
// one of subject is there (the outbox sends them oldest first, so every
// earlier one is out by then).
func kitEvents(ctx context.Context, t *testing.T, js jetstream.JetStream, last string) uint64 {
	t.Helper()
	var n uint64
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return err
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter("kit.>"))
		if err != nil {
			return err
		}
		seen := false
		for subject := range info.State.Subjects {
			seen = seen || strings.HasPrefix(subject, "kit.seating."+last+".")
		}
		if !seen {
			return fmt.Errorf("no %s event yet", last)
		}
		n = info.State.Msgs
		return nil
	})
	return n
}

// TestKitRetriedStepsStand (ADR 0273): every step of one seating sent
// twice, as a client whose answer was lost sends it again. The second is
// answered OK with the record as the first left it, and
// the stream has as many events as for a seating walked once (5:
// proposed, offered, accepted, activated, ended). An end for another
// reason, and every step after the end, is still refused.
func TestKitRetriedStepsStand(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	rg.setSeats("h-1", 4)
	id := rg.propose(ctx, t, "g-1", "h-1", 3)
	steps := []struct {
		name string
		call func() (seating, error)
	}{
		{"approve", func() (seating, error) { return rg.life.Approve(ctx, kitCoord, id) }},
		{"the guest's acceptance", func() (seating, error) { return rg.life.Accept(ctx, kitCoord, id, guest) }},
		{"the host's acceptance", func() (seating, error) { return rg.life.Accept(ctx, kitCoord, id, host) }},
		{"end", func() (seating, error) { return rg.life.End(ctx, kitCoord, id, 7) }},
	}
	for _, s := range steps {
		first, err := s.call()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		again, err := s.call()
		if err != nil {
			t.Fatalf("%s again: %v, want OK (the step stands)", s.name, err)
		}
		if !proto.Equal(again, first) {
			t.Errorf("%s again: %v, want %v as the first answer", s.name, again, first)
		}
		if s.name == "the host's acceptance" {
			if used, _ := rg.slots.Used(ctx, "h-1"); used != 3 {
				t.Errorf("seats taken after the acceptance twice: %d, want 3", used)
			}
		}
	}
	if _, err := rg.life.End(ctx, kitCoord, id, 8); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Errorf("end for another reason after the end: %v, want FailedPrecondition", err)
	}
	for _, s := range steps[:3] {
		if _, err := s.call(); apperr.ErrorCode(err) != apperr.FailedPrecondition {
			t.Errorf("%s after the end: %v, want FailedPrecondition", s.name, err)
		}
	}
	if used, _ := rg.slots.Used(ctx, "h-1"); used != 0 {
		t.Errorf("seats taken after the end: %d, want 0", used)
	}
	if got := kitEvents(ctx, t, n.JS, "ended"); got != 5 {
		t.Errorf("%d events for a seating whose every step was sent twice, want 5 as walked once", got)
	}
}

// TestKitRetriedEndingsStand (ADR 0273): a decline and a rejection sent
// twice stand; the same ending by the other party or for another reason,
// and an acceptance after the decline, are refused. Events: 2 per
// seating (proposed, rejected) and 3 for the declined (proposed,
// offered, declined), as walked once.
func TestKitRetriedEndingsStand(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	rg.setSeats("h-1", 4)
	declined := rg.propose(ctx, t, "g-1", "h-1", 1)
	if _, err := rg.life.Approve(ctx, kitCoord, declined); err != nil {
		t.Fatal(err)
	}
	for k := range 2 {
		if _, err := rg.life.Decline(ctx, kitCoord, declined, guest, 3); err != nil {
			t.Fatalf("decline %d: %v, want OK", k+1, err)
		}
	}
	for name, call := range map[string]func() error{
		"the host's decline":         func() error { _, err := rg.life.Decline(ctx, kitCoord, declined, host, 3); return err },
		"a decline for other reason": func() error { _, err := rg.life.Decline(ctx, kitCoord, declined, guest, 4); return err },
		"an acceptance":              func() error { _, err := rg.life.Accept(ctx, kitCoord, declined, host); return err },
	} {
		if err := call(); apperr.ErrorCode(err) != apperr.FailedPrecondition {
			t.Errorf("%s after the guest's decline: %v, want FailedPrecondition", name, err)
		}
	}
	if got := kitEvents(ctx, t, n.JS, "declined"); got != 3 {
		t.Errorf("%d events after a decline sent twice, want 3", got)
	}
	rejected := rg.propose(ctx, t, "g-2", "h-1", 1)
	for k := range 2 {
		if _, err := rg.life.Reject(ctx, kitCoord, rejected, 2); err != nil {
			t.Fatalf("reject %d: %v, want OK", k+1, err)
		}
	}
	if _, err := rg.life.Reject(ctx, kitCoord, rejected, 5); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Errorf("reject for another reason: %v, want FailedPrecondition", err)
	}
	if _, err := rg.life.Approve(ctx, kitCoord, rejected); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Errorf("approve after the rejection: %v, want FailedPrecondition", err)
	}
	if got := kitEvents(ctx, t, n.JS, "rejected"); got != 5 {
		t.Errorf("%d events after a reject sent twice, want 5", got)
	}
}

// TestKitOwnStepStands: a programme's own TransitionFunc that finds its
// step in the record says so with KindStands: OK, the record as read, no
// event; an active seating stays holding its seats.
func TestKitOwnStepStands(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	rg.setSeats("h-1", 4)
	id := rg.offer(ctx, t, "g-1", "h-1", 2)
	if _, err := rg.life.Accept(ctx, kitCoord, id, host); err != nil {
		t.Fatal(err)
	}
	before, _, _ := rg.repo.Get(ctx, id)
	out, err := rg.life.Transition(ctx, kitCoord, id, func(_ seating, _ *proposal.State, _ time.Time) (proposal.Step, error) {
		return proposal.Step{Kind: proposal.KindStands}, nil
	})
	if err != nil || !proto.Equal(out, before) {
		t.Fatalf("a step that stands: %v, %v; want the record as read", out, err)
	}
	if used, _ := rg.slots.Used(ctx, "h-1"); used != 2 {
		t.Errorf("seats taken after a step that stands: %d, want 2", used)
	}
	if got := kitEvents(ctx, t, n.JS, "activated"); got != 4 {
		t.Errorf("%d events, want 4 (proposed, offered, accepted, activated)", got)
	}
}
