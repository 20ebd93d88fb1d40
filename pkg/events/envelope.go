package events

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// NewEnvelope wraps payload for publishing on subject. The id must be unique
// per event and stable across retries of the same event (it becomes the
// Nats-Msg-Id), so callers pass it in rather than this function minting it;
// subjectID is the record the event is about, which consumers use to keep
// per-record order.
func NewEnvelope(id, subject, subjectID string, at time.Time, payload proto.Message) (*eventsv1.Envelope, error) {
	if id == "" || subject == "" {
		return nil, errors.New("events: envelope needs an id and a subject")
	}
	if payload == nil {
		return nil, errors.New("events: envelope needs a payload")
	}
	p, err := anypb.New(payload)
	if err != nil {
		return nil, fmt.Errorf("events: pack payload for %s: %w", subject, err)
	}
	return &eventsv1.Envelope{
		Id:         id,
		Type:       subject,
		OccurredAt: timestamppb.New(at),
		SubjectId:  subjectID,
		Payload:    p,
	}, nil
}
