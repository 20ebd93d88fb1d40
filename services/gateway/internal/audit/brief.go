package audit

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/natserr"
)

// briefWaits are the pauses before each new attempt of a search that
// JetStream answered with no responders or its 503: 3 s in all, enough
// for a stream's election after a node starts, short enough that the
// audit page's reader still gets "try again" while it waits.
var briefWaits = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
	800 * time.Millisecond, 1500 * time.Millisecond}

// untilAnswered runs a search, and again while JetStream answers it with
// no responders or its 503 (natserr.Briefly, but for a timeout, which a
// search already waited out). On a three-node cluster 2% of searches
// failed so at their first fetch: the ordered consumer is made on the
// stream's leader, and the pull can reach the client's node before the
// consumer's interest has; while leaders are elected (right after `make
// up NATS_NODES=3`) every call may. The audit page answered 503 (ADR
// 0233, 0240). A search only reads, so running it again is safe; each
// attempt makes its own consumer. After the last, or when the request
// ends, the error is the caller's ("en tjänst svarar inte; försök igen").
func (l *Log) untilAnswered(ctx context.Context, search func() ([]*gatewayv1.AuditEntry, string, error)) ([]*gatewayv1.AuditEntry, string, error) {
	for i := 0; ; i++ {
		es, next, err := search()
		if err == nil || i == len(briefWaits) || !electing(err) {
			return es, next, err
		}
		l.retried.Add(1)
		select {
		case <-ctx.Done():
			return nil, "", err
		case <-time.After(briefWaits[i]):
		}
	}
}

// electing says whether err is JetStream's answer while a stream has no
// leader (no responders, or an API 503), not a search that timed out or
// a request that ended.
func electing(err error) bool {
	return natserr.Briefly(err) && !errors.Is(err, nats.ErrTimeout) &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}
