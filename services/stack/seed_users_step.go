package main

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
)

// usersStep is what the seed's last step, the demo sign-ins, needs: the
// stack's NATS, signed in as the seed's user, and the data keys the
// accounts are sealed with (nil when the stack stores them unsealed).
// The seed opens it before its first call, so a NATS that refuses it or
// a missing key stops the seed before it makes anyone, not after the
// 2,600 people and the banner (ADR 0227).
type usersStep struct {
	nc   *nats.Conn
	keks []seal.KEK
}

// openUsersStep connects to url and reads the data keys. Its errors say
// what to change and that nothing was seeded yet.
func openUsersStep(cfg Config, url string) (*usersStep, error) {
	nc, err := service.ConnectNATS(url, "seed", cfg.NATS)
	if errors.Is(err, nats.ErrNoServers) {
		return nil, fmt.Errorf("seed: nothing answers at %s, the stack's NATS (MP_NATS_PORT, or -nats): start the stack "+
			"(make run) and wait for \"Mötesplats is up\", or give make seed the same MP_NATS_PORT; nothing was seeded "+
			"before this check, run make seed again", url)
	}
	if err != nil {
		return nil, fmt.Errorf("seed: %w (nothing was seeded before this check; under make up, run the seed with "+
			".tmp/up/keys.env as make up prints it)", err)
	}
	step := &usersStep{nc: nc}
	if !cfg.unsealed {
		if step.keks, err = seedKEKs(cfg); err != nil {
			nc.Close()
			return nil, fmt.Errorf("%w (nothing was seeded before this check)", err)
		}
	}
	return step, nil
}

// close lets the connection go.
func (u *usersStep) close() { u.nc.Close() }
