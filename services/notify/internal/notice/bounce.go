package notice

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// errNotSent ends a bounce's update: the message was not handed over as
// an e-mail, so a bounce cannot be about it.
var errNotSent = errors.New("not sent")

// MessageIDOf is the message key in an e-mail's Message-ID as notify
// writes it ("<key@host>"), or the key itself; "" when s is neither.
func MessageIDOf(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s = s[:at]
	}
	if len(s) != 41 || s[0] != 'm' || !ids.Valid(s) {
		return ""
	}
	return s
}

// Bounced records that an e-mail notify sent bounced after the SMTP
// server had accepted it (a delivery report the provider passes on, ADR
// 0107). A permanent bounce turns the message failed with FAILURE_BOUNCED,
// so coordinators see it on the person and the pair; a temporary one
// changes nothing (the provider retries those itself). Returns NotFound
// for a message notify does not hold (never, or past its retention), and
// reports false when the message was not a sent e-mail.
func (s *Service) Bounced(ctx context.Context, messageID string, permanent bool) (bool, error) {
	id := MessageIDOf(messageID)
	if id == "" {
		return false, apperr.Errorf(apperr.NotFound, "not a message of ours")
	}
	if !permanent {
		if _, ok := s.d.Messages.Lookup(id); !ok {
			return false, apperr.Errorf(apperr.NotFound, "no such message")
		}
		return false, nil
	}
	now := timestamppb.New(s.d.Now().UTC())
	m, err := s.update(ctx, id, func(m *pb.StoredMessage) error {
		if m.GetChannel() != pb.Channel_CHANNEL_EMAIL || m.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT {
			return errNotSent
		}
		m.Status, m.Failure, m.UpdateTime = pb.DeliveryStatus_DELIVERY_STATUS_FAILED, pb.Failure_FAILURE_BOUNCED, now
		return nil
	})
	if errors.Is(err, errNotSent) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.d.Metrics.Failed(m.GetChannel(), true)
	return true, nil
}
