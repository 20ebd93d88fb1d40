package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/motesplats/motesplats/pkg/seal"
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
	natsURL, err := toolsFlags("ensure", cfg, args, out)
	if err != nil {
		return err
	}
	js, err := connectTools(natsURL, "ensure", cfg)
	if err != nil {
		return err
	}
	defer js.Conn().Close()
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
