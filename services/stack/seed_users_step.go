package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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
	js   jetstream.JetStream
	keks []seal.KEK
}

// openUsersStep connects to url and reads the data keys. Its errors say
// what to change and that nothing was seeded yet.
func openUsersStep(ctx context.Context, cfg Config, url string) (*usersStep, error) {
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
	// A user the server knows but without JetStream (the operators'
	// sys) made everyone, then failed "JetStream not enabled for
	// account" at the sign-ins (ADR 0227).
	js, err := jetstream.New(nc)
	if err == nil {
		_, err = js.AccountInfo(ctx)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("seed: the NATS at %s gives user %q no JetStream (%v): the seed signs in as the operators' tools do, "+
			"%s=%s with its %s (ADR 0226); nothing was seeded before this check", url, cfg.NATS.User, err,
			service.NATSUserEnv, service.NATSToolsUser, service.NATSPasswordEnv)
	}
	step := &usersStep{nc: nc, js: js}
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

// gatewayKeys is the gateway's key bucket's stream (ADR 0234 part 2).
var gatewayKeys = "KV_" + seal.OwnerBucket("gateway")

// seedKeyring opens the keyring the demo accounts are sealed with as the
// running gateway opens its own, so that it finds their keys and alone
// may shred them: a gateway that owns a key bucket (ADR 0234 part 2,
// 0239) made it at its start, and the accounts' keys and index key go
// there; a gateway of before has none and reads only the shared bucket,
// where they go then. The seed runs on a stack that is up, so the bucket
// is there when its gateway has one; the seed never makes it.
func seedKeyring(ctx context.Context, js jetstream.JetStream, keks []seal.KEK) (*seal.Keyring, error) {
	c := seal.Config{KEKs: keks}
	_, err := js.Stream(ctx, gatewayKeys)
	switch {
	case err == nil:
		c.Owner, c.Others = "gateway", seal.KeyOwners
	case !errors.Is(err, jetstream.ErrStreamNotFound):
		return nil, fmt.Errorf("seed users: %w", err)
	}
	return seal.Open(ctx, js, c)
}
