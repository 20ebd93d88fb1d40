package natserr

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
)

// electionWaits are the pauses before each new attempt of a read that
// JetStream answered as a cluster electing its leaders does: 3 s in all,
// enough for a stream's election after a node starts, short enough that a
// page's reader still gets "try again" while it waits (ADR 0240).
var electionWaits = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
	800 * time.Millisecond, 1500 * time.Millisecond}

// Electing says whether err is JetStream's answer while a stream has no
// leader, or before a new consumer's interest has reached the client's
// node (no responders, or an API 503): Briefly, but not a read that timed
// out or a request that ended, which waited long enough already.
func Electing(err error) bool {
	return Briefly(err) && !errors.Is(err, nats.ErrTimeout) &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}

// ReadAgain runs read, and again while it fails as Electing says, after
// 0.1, 0.2, 0.4, 0.8 and 1.5 s. On a three-node cluster about 2% of the
// reads by a new ordered consumer failed at their first fetch with "no
// responders" (ADR 0240); the same read again worked. Only for reads: a
// write run again could be done twice. read must start afresh each time
// (its own consumer, its results reset). retried, when set, hears each
// new attempt (tests). After the last attempt, or when ctx ends, the
// error is read's.
func ReadAgain(ctx context.Context, read func() error, retried func()) error {
	for i := 0; ; i++ {
		err := read()
		if err == nil || i == len(electionWaits) || !Electing(err) {
			return err
		}
		if retried != nil {
			retried()
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(electionWaits[i]):
		}
	}
}
