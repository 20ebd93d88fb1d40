package notice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// Sender loop settings.
const (
	// LeaseTTL is how long, by default, a replica may hold a message it
	// is sending before another replica takes it over (Deps.LeaseTTL).
	// It bounds a send plus its bookkeeping; a replica that dies mid-send
	// leaves the message to be sent again after it (ADR 0101 says what a
	// repeat can cost).
	LeaseTTL = 2 * time.Minute
	// sendTimeout bounds one channel call.
	sendTimeout = 30 * time.Second
	// Workers is how many messages (of different people) go out at once.
	Workers = 8
)

// errBusy aborts a claim: the message is not the sender's to take now.
var errBusy = errors.New("busy")

// RunSender sends due messages until ctx ends: when woken by a new plan,
// and every interval for retries, held messages and other replicas' lapsed
// leases. Every replica runs it; the lease (a compare-and-set on the
// record) makes each message one replica's at a time.
func (s *Service) RunSender(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.SendDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Pending reports whether m still has to go out; such a message holds up
// the person's later ones, so each person gets theirs in order.
func Pending(m *pb.StoredMessage) bool {
	st := m.GetStatus()
	return st == pb.DeliveryStatus_DELIVERY_STATUS_QUEUED || st == pb.DeliveryStatus_DELIVERY_STATUS_HELD
}

// before orders a person's messages: by creation, then id.
func before(a, b *pb.StoredMessage) bool {
	ta, tb := a.GetCreateTime().AsTime(), b.GetCreateTime().AsTime()
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.GetId() < b.GetId()
}

// SendDue sends, for every person with pending messages, the oldest one if
// it is due, up to Workers at once, and returns how many it attempted.
func (s *Service) SendDue(ctx context.Context) int {
	page, err := s.d.Messages.Find(store.Query[*pb.StoredMessage]{Index: "pending", Values: []string{"1"}})
	if err != nil {
		s.d.Logger.Error("notify: pending messages", "err", err)
		return 0
	}
	heads := map[string]*pb.StoredMessage{}
	for _, m := range page.Items {
		if h, ok := heads[m.GetPersonId()]; !ok || before(m, h) {
			heads[m.GetPersonId()] = m
		}
	}
	now := s.d.Now()
	var due []*pb.StoredMessage
	for _, m := range heads {
		if m.GetNextAttemptTime().AsTime().After(now) {
			continue
		}
		if m.GetLeaseOwner() != "" && m.GetLeaseUntil().AsTime().After(now) &&
			(m.GetLeaseOwner() != s.d.Owner || s.isSending(m.GetId())) {
			continue // another replica's, or this process's own send
		}
		if s.waitsForSource(m, now) {
			continue // asked again once its source's wait is over
		}
		due = append(due, m)
	}
	slices.SortFunc(due, func(a, b *pb.StoredMessage) int { return strings.Compare(a.GetId(), b.GetId()) })
	sem := make(chan struct{}, Workers)
	var wg sync.WaitGroup
	tried := 0
	for _, m := range due {
		sem <- struct{}{}
		// A source found away by a send of this round holds back the
		// rest of its messages too: at most Workers calls find it away.
		if s.waitsForSource(m, s.d.Now()) {
			<-sem
			continue
		}
		tried++
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.deliver(ctx, m.GetId()); err != nil && ctx.Err() == nil {
				s.d.Logger.Warn("notify: deliver", "message", m.GetId(), "err", err)
			}
		}()
	}
	wg.Wait()
	return tried
}

// update changes message id with fn under compare-and-set.
func (s *Service) update(ctx context.Context, id string, fn func(m *pb.StoredMessage) error) (*pb.StoredMessage, error) {
	m, _, err := s.d.Messages.Update(ctx, id, func(m *pb.StoredMessage, _ uint64) (store.Change, error) {
		return nil, fn(m)
	})
	return m, err
}

// deliver takes the lease on one message, renders it if it is not yet,
// sends it and records the outcome.
func (s *Service) deliver(ctx context.Context, id string) error {
	s.sendingMu.Lock()
	if s.sending[id] {
		s.sendingMu.Unlock()
		return nil
	}
	s.sending[id] = true
	s.sendingMu.Unlock()
	defer func() {
		s.sendingMu.Lock()
		delete(s.sending, id)
		s.sendingMu.Unlock()
	}()
	now := s.d.Now().UTC()
	m, err := s.update(ctx, id, func(m *pb.StoredMessage) error {
		if !Pending(m) || m.GetNextAttemptTime().AsTime().After(now) ||
			(m.GetLeaseOwner() != "" && m.GetLeaseOwner() != s.d.Owner && m.GetLeaseUntil().AsTime().After(now)) {
			return errBusy
		}
		m.LeaseOwner, m.LeaseUntil = s.d.Owner, timestamppb.New(now.Add(s.d.LeaseTTL))
		m.Attempts++
		return nil
	})
	if errors.Is(err, errBusy) || apperr.ErrorCode(err) == apperr.NotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	// A rendered message with no text lost it to the erasure of the
	// person it named (its text was sealed with their key too, ADR 0159):
	// rendered again, it goes out as forgetProposal would have it.
	if !m.GetRendered() || m.GetTextBody() == "" {
		r, err := s.render(ctx, m)
		if err != nil {
			return s.fail(ctx, m, err)
		}
		if m, err = s.update(ctx, id, func(cur *pb.StoredMessage) error {
			if cur.GetLeaseOwner() != s.d.Owner {
				return errBusy
			}
			r.apply(cur, s.d.Now())
			return nil
		}); err != nil {
			if errors.Is(err, errBusy) {
				return nil
			}
			return fmt.Errorf("store rendered: %w", err)
		}
		if m.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SKIPPED {
			return nil
		}
	}
	if until := s.quietUntil(m, now); !until.IsZero() {
		_, err := s.update(ctx, id, func(cur *pb.StoredMessage) error {
			cur.Status, cur.NextAttemptTime = pb.DeliveryStatus_DELIVERY_STATUS_HELD, timestamppb.New(until.UTC())
			cur.LeaseOwner, cur.LeaseUntil, cur.UpdateTime = "", nil, timestamppb.New(now)
			cur.Attempts-- // holding is not an attempt
			return nil
		})
		return err
	}
	sender, _ := s.d.Channels.transport(m.GetIntendedChannel())
	var providerID string
	if sender != nil && m.GetChannel() != pb.Channel_CHANNEL_MAILBOX {
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		providerID, err = sender.Send(sctx, Outgoing{ID: m.GetId(), Channel: m.GetIntendedChannel(), To: m.GetTo(),
			Language: m.GetLanguage(), Subject: m.GetSubject(), Text: m.GetTextBody(), HTML: m.GetHtmlBody()})
		cancel()
		if err != nil {
			return s.fail(ctx, m, err)
		}
	}
	// The mailbox keeps the record itself: marking it sent is the delivery.
	m, err = s.update(ctx, id, func(cur *pb.StoredMessage) error {
		cur.Status, cur.Failure, cur.ProviderId = pb.DeliveryStatus_DELIVERY_STATUS_SENT, 0, providerID
		t := timestamppb.New(s.d.Now().UTC())
		cur.SentTime, cur.UpdateTime, cur.LeaseOwner, cur.LeaseUntil = t, t, "", nil
		return nil
	})
	if err != nil {
		return fmt.Errorf("record sent: %w", err)
	}
	s.d.Metrics.Sent(m.GetChannel())
	s.audit(ctx, m)
	return nil
}

// audit records the send; a failure is retried by the sweep (audited
// stays false), not by sending again.
func (s *Service) audit(ctx context.Context, m *pb.StoredMessage) {
	if s.d.Auditor == nil || m.GetAudited() {
		return
	}
	if err := s.d.Auditor.Sent(ctx, m); err != nil {
		s.d.Logger.Warn("notify: audit", "message", m.GetId(), "err", err)
		return
	}
	if _, err := s.update(ctx, m.GetId(), func(cur *pb.StoredMessage) error { cur.Audited = true; return nil }); err != nil {
		s.d.Logger.Warn("notify: mark audited", "message", m.GetId(), "err", err)
	}
}

// quietUntil is when an SMS planned now may go, or zero when it may go now.
func (s *Service) quietUntil(m *pb.StoredMessage, now time.Time) time.Time {
	if m.GetIntendedChannel() != pb.Channel_CHANNEL_SMS || m.GetChannel() == pb.Channel_CHANNEL_MAILBOX {
		return time.Time{}
	}
	return s.d.Quiet.Until(now)
}

// fail records a failed attempt: a temporary one is retried with backoff
// (given up after MaxAttempts), a permanent one is final.
func (s *Service) fail(ctx context.Context, m *pb.StoredMessage, err error) error {
	se := classify(err)
	now := s.d.Now().UTC()
	_, uerr := s.update(ctx, m.GetId(), func(cur *pb.StoredMessage) error {
		cur.LeaseOwner, cur.LeaseUntil, cur.UpdateTime = "", nil, timestamppb.New(now)
		switch {
		case se.Source:
			// Nothing went out: not an attempt, and soon again, so the
			// message leaves within SourceRetry of the service's return
			// and is never given up for its absence (ADR 0194).
			cur.Status = pb.DeliveryStatus_DELIVERY_STATUS_QUEUED
			cur.NextAttemptTime = timestamppb.New(now.Add(s.d.SourceRetry))
			cur.Attempts--
		case se.Permanent:
			cur.Status, cur.Failure = pb.DeliveryStatus_DELIVERY_STATUS_FAILED, se.Failure
		case int(cur.GetAttempts()) >= s.d.Retry.MaxAttempts:
			cur.Status, cur.Failure = pb.DeliveryStatus_DELIVERY_STATUS_FAILED, pb.Failure_FAILURE_GAVE_UP
		default:
			cur.Status = pb.DeliveryStatus_DELIVERY_STATUS_QUEUED
			cur.NextAttemptTime = timestamppb.New(now.Add(s.d.Retry.Delay(int(cur.GetAttempts()))))
		}
		return nil
	})
	if se.Source {
		s.awayMu.Lock()
		s.away[se.source] = now.Add(s.d.SourceRetry)
		s.awayMu.Unlock()
		s.d.Logger.Debug("notify: waiting for a source", "message", m.GetId(), "detail", se.Detail)
		if uerr != nil && !errors.Is(uerr, errBusy) {
			return fmt.Errorf("record wait: %w", uerr)
		}
		return nil
	}
	final := se.Permanent || int(m.GetAttempts()) >= s.d.Retry.MaxAttempts
	s.d.Metrics.Failed(m.GetChannel(), final)
	s.d.Logger.Info("notify: send failed", "message", m.GetId(), "channel", m.GetChannel().String(),
		"attempt", m.GetAttempts(), "permanent", final, "detail", se.Detail)
	if uerr != nil && !errors.Is(uerr, errBusy) {
		return fmt.Errorf("record failure: %w", uerr)
	}
	return nil
}

// isSending reports whether this process is delivering message id now.
func (s *Service) isSending(id string) bool {
	s.sendingMu.Lock()
	defer s.sendingMu.Unlock()
	return s.sending[id]
}

// waitsForSource reports whether m is still to be rendered from a source
// that did not answer less than SourceRetry ago (Service.away): every
// message is rendered from the registers, an offer also from its
// programme. A rendered message needs neither and is never held back.
func (s *Service) waitsForSource(m *pb.StoredMessage, now time.Time) bool {
	if m.GetRendered() && m.GetTextBody() != "" {
		return false
	}
	s.awayMu.Lock()
	defer s.awayMu.Unlock()
	for _, src := range []string{directorySource, programmeSource(m.GetProgramme())} {
		if until, ok := s.away[src]; ok {
			if now.Before(until) {
				return true
			}
			delete(s.away, src)
		}
	}
	return false
}
