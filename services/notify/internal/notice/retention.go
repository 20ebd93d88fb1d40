package notice

import (
	"context"
	"errors"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// DefaultRetention is how long a finished message and a spent link are
// kept: 90 days covers the longest thing a coordinator follows up from a
// delivery record (a dinner invited up to eight weeks ahead, a mentoring
// pair's first monthly check-ins, a quarter's questions about a bounce),
// while the audit log keeps who was sent which template when for longer
// (ADR 0105).
const DefaultRetention = 90 * 24 * time.Hour

// retain removes the messages that finished (sent, failed, skipped)
// before the retention and the links that expired or were used before it,
// and reports the sweep's progress. A removed record leaves a delete
// marker with no data under its key: Create refuses a key with a marker,
// so an old event delivered again cannot plan the message a second time.
// A sent message whose audit entry is still owed is kept until it is
// written. Every replica sweeps; a record another replica removed first
// is not counted twice.
func (s *Service) retain(ctx context.Context, now time.Time) error {
	cutoff := now.Add(-s.d.Retention)
	var errs []error
	var msgs, lnks int
	var oldest time.Time
	res, err := s.d.Messages.Find(store.Query[*pb.StoredMessage]{Filter: func(m *pb.StoredMessage) bool { return !Pending(m) }})
	if err != nil {
		return err
	}
	for _, m := range res.Items {
		done := m.GetUpdateTime().AsTime()
		owed := m.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SENT && !m.GetAudited() && s.d.Auditor != nil
		if !done.Before(cutoff) || owed {
			if oldest.IsZero() || done.Before(oldest) {
				oldest = done
			}
			continue
		}
		switch err := s.d.Messages.Remove(ctx, m.GetId(), false); {
		case err == nil:
			msgs++
		default:
			errs = append(errs, ignoreNotFound(err))
		}
	}
	spent, err := s.d.Links.Find(store.Query[*pb.StoredLink]{Filter: func(l *pb.StoredLink) bool {
		end := l.GetExpireTime().AsTime()
		if u := l.GetUsedTime(); u != nil && u.AsTime().Before(end) {
			end = u.AsTime()
		}
		return end.Before(cutoff)
	}})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, l := range spent.Items {
		switch err := s.d.Links.Remove(ctx, l.GetId(), false); {
		case err == nil:
			lnks++
		default:
			errs = append(errs, ignoreNotFound(err))
		}
	}
	var age time.Duration
	if !oldest.IsZero() {
		age = now.Sub(oldest)
	}
	s.d.Metrics.Retained(msgs, lnks, age)
	return errors.Join(errs...)
}
