package seal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
)

// Every owner's key bucket is made with its owner's configuration before
// any service reads it (ADR 0244): by the tools' step (`stack ensure`,
// which make up, make run and the Kubernetes Job run before the
// services) or by the owner itself at its start. A reader never makes
// another owner's bucket: one it made could lack the owner's settings
// (replicas, atomic publish, two revisions) or carry its own (a maximum
// age), and the owner, which only creates its bucket when absent, would
// take it as it is. The readers' NATS users may not create it either.

// EnsureKeyBuckets makes every owner's key bucket (owners; KeyOwners when
// none are given) with the owner's configuration at replicas, or brings
// one that exists to it, as the bucket's maintainer does at its start. It
// returns the buckets it made (absent before), in owners' order. Only a
// user that may update every key bucket (the tools') can run it on a
// system whose buckets exist.
func EnsureKeyBuckets(ctx context.Context, js jetstream.JetStream, replicas int, owners ...string) ([]string, error) {
	if len(owners) == 0 {
		owners = KeyOwners
	}
	if replicas <= 0 {
		replicas = 1
	}
	var made []string
	for _, o := range owners {
		cfg := keyStreamConfig(Config{Bucket: OwnerBucket(o), Replicas: replicas})
		_, err := js.Stream(ctx, cfg.Name)
		absent := errors.Is(err, jetstream.ErrStreamNotFound)
		if err != nil && !absent {
			return made, fmt.Errorf("seal: key bucket %s: %w", cfg.Name, err)
		}
		if _, err := ensure.Stream(ctx, js, cfg); err != nil {
			return made, fmt.Errorf("seal: key bucket %s: %w", cfg.Name, err)
		}
		if absent {
			made = append(made, OwnerBucket(o))
		}
	}
	return made, nil
}

// bucketPoll is the first pause between a reader's looks at an absent
// owner's bucket, doubled up to bucketPollMax; bucketWaitLog is how often
// the wait is logged again.
var (
	bucketPoll    = 100 * time.Millisecond
	bucketPollMax = 2 * time.Second
	bucketWaitLog = 30 * time.Second
)

// bindOther opens another owner's key bucket, waiting while it is absent
// (its owner or the tools' step has not made it yet) until ctx ends. The
// wait is logged at once and then every bucketWaitLog, with the bucket's
// name and what makes it, so a start that waits says why.
func bindOther(ctx context.Context, js jetstream.JetStream, bucket string, log *slog.Logger) (jetstream.Stream, jetstream.KeyValue, error) {
	began := time.Now()
	var logged time.Time
	pause := bucketPoll
	for {
		s, err := js.Stream(ctx, "KV_"+bucket)
		if err == nil {
			kv, err := js.KeyValue(ctx, bucket)
			if err != nil {
				return nil, nil, fmt.Errorf("seal: open bucket %s: %w", bucket, err)
			}
			if !logged.IsZero() {
				log.Info("seal: another owner's key bucket is there; reading it", "bucket", bucket,
					"waited", time.Since(began).Round(time.Millisecond).String())
			}
			return s, kv, nil
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, nil, fmt.Errorf("seal: open bucket %s: %w", bucket, err)
		}
		if logged.IsZero() || time.Since(logged) >= bucketWaitLog {
			log.Warn("seal: another owner's key bucket is absent; waiting for `stack ensure` or its owner to make it",
				"bucket", bucket, "waited", time.Since(began).Round(time.Second).String())
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("seal: waiting for key bucket %s (made by `stack ensure` or its owner): %w", bucket, ctx.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, bucketPollMax)
	}
}
