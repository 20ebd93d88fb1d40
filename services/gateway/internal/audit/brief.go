package audit

import (
	"context"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/natserr"
)

// untilAnswered runs a search, and again while JetStream answers it with
// no responders or its 503 (natserr.ReadAgain): right after `make up
// NATS_NODES=3` and `make seed` the audit page answered 503 once, three
// searches failing with "nats: no responders" while the nodes elected
// their leaders (ADR 0233, 0240). A search only reads, so running it again
// is safe; each attempt makes its own consumer. After the last, or when
// the request ends, the error is the caller's ("en tjänst svarar inte;
// försök igen").
func (l *Log) untilAnswered(ctx context.Context, search func() ([]*gatewayv1.AuditEntry, string, error)) ([]*gatewayv1.AuditEntry, string, error) {
	var (
		es   []*gatewayv1.AuditEntry
		next string
	)
	err := natserr.ReadAgain(ctx, func() error {
		var err error
		es, next, err = search()
		return err
	}, func() { l.retried.Add(1) })
	if err != nil {
		return nil, "", err
	}
	return es, next, nil
}
