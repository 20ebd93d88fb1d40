package events

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// An event is published on "<type>.<subject id>", for example
// "participants.participant.registered.0190...". Putting the record id in
// the subject lets an erasure purge every earlier event about a person
// from the stream (PurgeSubjectID): their facts must not outlive them.
// Consumers keep filtering by type; FilterFor adds the id wildcard.

// SubjectFor returns the NATS subject env is published on.
func SubjectFor(env *eventsv1.Envelope) (string, error) {
	if env.GetType() == "" || !ids.Valid(env.GetSubjectId()) {
		return "", errors.New("events: an envelope needs a type and a subject id of letters, digits, '-' or '_'")
	}
	return env.GetType() + "." + env.GetSubjectId(), nil
}

// FilterFor turns an event type (or any subject filter) into the filter
// that matches its events for every subject id. Filters already ending in a
// wildcard are kept as they are.
func FilterFor(filter string) string {
	// Subjects have four tokens: producer, entity, verb, id.
	if strings.HasSuffix(filter, ">") || strings.Count(filter, ".") >= 3 {
		return filter
	}
	return filter + ".*"
}

// typeOf returns the event type of a subject made by SubjectFor.
func typeOf(subject string) string {
	if i := strings.LastIndexByte(subject, '.'); i > 0 {
		return subject[:i]
	}
	return subject
}

// PurgeSubjectID removes every event about subjectID from stream, whose
// subjects are "<producer>.>". Erasure calls it before publishing the
// erased event, which then is the only trace left: the id alone.
func PurgeSubjectID(ctx context.Context, js jetstream.JetStream, stream, producer, subjectID string) error {
	if !ids.Valid(subjectID) {
		return errors.New("events: purge needs a valid subject id")
	}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("events: purge %s: %w", stream, err)
	}
	if err := s.Purge(ctx, jetstream.WithPurgeSubject(producer+".*.*."+subjectID)); err != nil {
		return fmt.Errorf("events: purge %s: %w", stream, err)
	}
	return nil
}

// PurgeSubjectIDExcept is PurgeSubjectID that keeps the events of type
// keep: run after an erasure, it removes events that were already on
// their way when the erasure purged the stream, and leaves the erased
// event in place.
func PurgeSubjectIDExcept(ctx context.Context, js jetstream.JetStream, stream, producer, subjectID, keep string) error {
	if !ids.Valid(subjectID) {
		return errors.New("events: purge needs a valid subject id")
	}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("events: purge %s: %w", stream, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(producer+".*.*."+subjectID))
	if err != nil {
		return fmt.Errorf("events: purge %s: %w", stream, err)
	}
	for subject := range info.State.Subjects {
		if typeOf(subject) == keep {
			continue
		}
		if err := s.Purge(ctx, jetstream.WithPurgeSubject(subject)); err != nil {
			return fmt.Errorf("events: purge %s: %w", stream, err)
		}
	}
	return nil
}
