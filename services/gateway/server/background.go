// The gateway's background loops: cache invalidation and the sweep.

package server

import (
	"context"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// invalidate follows the services' streams, retrying until they exist
// (the services may start after the gateway).
func invalidate(ctx context.Context, be *backend.Backend, d service.Deps) {
	for ctx.Err() == nil {
		err := be.Invalidate(ctx, d.JS, []string{events.StreamParticipants, events.StreamVolunteers})
		if err == nil {
			return
		}
		d.Logger.Debug("cache invalidation waiting for streams", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// sweep removes expired sessions and tokens every minute.
func sweep(ctx context.Context, a *account.Service, d service.Deps) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Sweep(ctx); err != nil {
				d.Logger.Warn("session sweep", "err", err)
			}
		}
	}
}
