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
	// shared and replicas are the gateway's MP_KEY_BUCKETS and
	// MP_REPLICAS as the seed was given them: its keyring is the
	// gateway's (seedKeyring).
	shared   bool
	replicas int
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
	step := &usersStep{nc: nc, js: js, shared: cfg.KeyBuckets == service.KeyBucketsShared, replicas: cfg.Replicas}
	if !cfg.unsealed {
		if step.keks, err = seedKEKs(cfg); err == nil {
			err = keyBucketsMade(ctx, js)
		}
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("%w (nothing was seeded before this check)", err)
		}
	}
	return step, nil
}

// keyBucketsMade refuses a stack whose owners' key buckets are not all
// there: the seed's keyring, an owner's, would wait for them without end
// (ADR 0244). `stack ensure` makes them before any service starts
// (make up, make run, compose's ensure service, Kubernetes' Job).
func keyBucketsMade(ctx context.Context, js jetstream.JetStream) error {
	for _, owner := range seal.KeyOwners {
		name := "KV_" + seal.OwnerBucket(owner)
		_, err := js.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("seed: the key bucket %s is not there: run `stack ensure` as the tools' user first "+
				"(make up, make run, compose's ensure and Kubernetes' Job motesplats-ensure do), or start the stack", name)
		}
		if err != nil {
			return fmt.Errorf("seed: key bucket %s: %w", name, err)
		}
	}
	return nil
}

// close lets the connection go.
func (u *usersStep) close() { u.nc.Close() }

// seedKeyring opens the keyring the demo accounts are sealed with as the
// running gateway opens its own (service.KeyringConfig), so that it finds
// their keys and alone may shred them: with MP_KEY_BUCKETS as the
// gateway's (ADR 0238), new keys go to the gateway's own bucket, or with
// `shared` to the shared bucket of before, where an older gateway beside
// it in a rolling upgrade reads. Until session 45 the seed chose by
// whether the gateway's bucket existed, but `stack ensure` makes it
// before any service (ADR 0244), so mid-roll the accounts went where an
// older gateway does not look and their sign-ins failed (ADR 0252).
func seedKeyring(ctx context.Context, step *usersStep) (*seal.Keyring, error) {
	return seal.Open(ctx, step.js, service.KeyringConfig("gateway", step.keks, step.replicas, step.shared, nil))
}
