package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
)

// rewrap moves every person's data key to the current data key
// (MP_DATA_KEY, or the stack's data.key) while MP_DATA_KEY_OLD names the
// keys being retired; afterwards the old keys open nothing stored and can
// be destroyed. It runs against a live system: services keep working.
func rewrap(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("rewrap", flag.ContinueOnError)
	fs.SetOutput(out)
	natsURL := fs.String("nats", fmt.Sprintf("nats://%s:%d", cfg.NATSHost, cfg.NATSPort), "NATS of the system")
	if err := fs.Parse(args); err != nil {
		return err
	}
	keks, err := cfg.keks()
	if err != nil {
		return err
	}
	nc, err := service.ConnectNATS(*natsURL, "rewrap", cfg.NATS)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	// Every key bucket: each owner's (ADR 0238), then the shared one.
	n := 0
	for _, owner := range append(slices.Clone(seal.KeyOwners), "") {
		kc := seal.Config{KEKs: keks}
		if owner != "" {
			kc.Owner, kc.Others = owner, seal.KeyOwners
		}
		k, err := seal.Open(ctx, js, kc)
		if err != nil {
			return err
		}
		done, err := k.Rewrap(ctx)
		k.Close()
		n += done
		if err != nil {
			return fmt.Errorf("rewrap (after %d keys; safe to run again): %w", n, err)
		}
	}
	_, err = fmt.Fprintf(out, "rewrapped %d data keys with %s; old data keys may now be removed\n", n, keks[0])
	return err
}
