package proposal_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/proposal"
)

// The kit's tests run its own test programme, seating (example_test.go),
// so they use no programme's types.

const (
	kitOrg  = "org-k"
	kitMuni = "0180"
	stream  = "KIT"
)

var kitCoord = auth.Claims{Subject: "u-k", Role: auth.RoleCoordinator, Organisation: kitOrg, Municipalities: []string{kitMuni}}

// rig is one replica of the seating programme.
type rig struct {
	*seatingKit
	hosts *hosts
}

type rigOptions struct {
	now   func() time.Time
	grace time.Duration
	hooks *proposal.Hooks
}

// newRig opens a replica on js.
func newRig(ctx context.Context, tb testing.TB, js jetstream.JetStream, o rigOptions) *rig {
	tb.Helper()
	hs := &hosts{seats: map[string]int{}}
	k, err := openSeating(ctx, js, hs, o.now, o.grace, o.hooks)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.repo.Close)
	return &rig{seatingKit: k, hosts: hs}
}

func (rg *rig) setSeats(h string, n int) { rg.hosts.set(h, n) }

// propose proposes the seating of g at h and returns its id.
func (rg *rig) propose(ctx context.Context, tb testing.TB, g, h string, units int) string {
	tb.Helper()
	r := newSeating(g, h, units)
	id := str(r, "id")
	if _, created, err := rg.life.Propose(ctx, id, r, ""); err != nil || !created {
		tb.Fatalf("propose %s: created %v, %v", id, created, err)
	}
	return id
}

// offer proposes g at h, approves it and has the guest accept: the host's
// accept then completes it.
func (rg *rig) offer(ctx context.Context, tb testing.TB, g, h string, units int) string {
	tb.Helper()
	id := rg.propose(ctx, tb, g, h, units)
	if _, err := rg.life.Approve(ctx, kitCoord, id); err != nil {
		tb.Fatal(err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, id, guest); err != nil {
		tb.Fatal(err)
	}
	return id
}

func (rg *rig) status(ctx context.Context, tb testing.TB, id string) proposal.Status {
	tb.Helper()
	r, _, err := rg.repo.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return proposal.Unknown
	}
	if err != nil {
		tb.Fatal(err)
	}
	return seatingState(r).Status
}
