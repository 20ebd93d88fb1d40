package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
)

// ensureKeys is `stack ensure` (ADR 0244): every owner's key bucket made
// with its owner's configuration (MP_REPLICAS replicas), or brought to it,
// before the services start, as the tools' user, which alone may create
// and update every key bucket. A service then only binds the other
// owners' buckets, waiting while one is absent, and its NATS user may not
// create them: a bucket a reader made could lack its owner's settings.
// It is run by make up (layout.Start) and the Kubernetes Job
// motesplats-ensure; make run does the same in its process. Safe to run
// again: it makes what is absent and changes only what differs.
func ensureKeys(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ensure", flag.ContinueOnError)
	fs.SetOutput(out)
	natsURL := fs.String("nats", fmt.Sprintf("nats://%s:%d", cfg.NATSHost, cfg.NATSPort), "NATS of the system")
	if err := fs.Parse(args); err != nil {
		return err
	}
	nc, err := service.ConnectNATS(*natsURL, "ensure", cfg.NATS)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	made, err := seal.EnsureKeyBuckets(ctx, js, cfg.Replicas)
	if err != nil {
		return err
	}
	list := "none"
	if len(made) > 0 {
		list = strings.Join(made, ", ")
	}
	_, err = fmt.Fprintf(out, "key buckets of %d owners at %d replicas; made: %s\n", len(seal.KeyOwners), cfg.Replicas, list)
	return err
}
