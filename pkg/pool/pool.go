// Package pool keeps one side of a programme's candidate pool (newcomers,
// mentors, guests, hosts, guide organisations): a KV bucket of small
// records fed by the participants' and volunteers' events through
// events.Pool (apply only if newer, tombstones, the leaver hook).
//
// What a programme supplies is only its filter and record mapping: a
// build function from an event's facts to its record, or "not in the
// pool" (false), which the kit turns into a tombstone. Everything else is
// here once: decoding the event types (registered, updated, consent
// changed, deleted, erased), the id check, stamping the record with the
// event's time and id, sealing live records with the person's data key
// (a tombstone stays in clear so it can be written after the key is
// shredded), indexes that leave tombstones out, and the reads "live
// record" and "has this person gone".
//
// A pool record is a generated message with the fields gone (bool),
// event_time (google.protobuf.Timestamp), event_id (string), an id field
// named in the Spec and, where people can be erased, erased (bool). Open
// checks them, so a record type without them fails at start, not on the
// first event.
package pool

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Record is what the kit reads of a pool record; generated messages with
// the fields gone, event_time and event_id satisfy it.
type Record interface {
	proto.Message
	GetGone() bool
	GetEventTime() *timestamppb.Timestamp
	GetEventId() string
}

// Spec is how a programme keeps one side of its pool.
type Spec[T Record] struct {
	// Bucket names the KV bucket. Required.
	Bucket string
	// Replicas of the bucket (1 on a single server).
	Replicas int
	// New returns an empty record. Required.
	New func() T
	// IDField is the record's key field ("participant_id"), set on a
	// tombstone. Required.
	IDField protoreflect.Name
	// Indexes are the store's secondary keys; the kit gives them live
	// records only, so a tombstone is never found by a query.
	Indexes map[string]func(T) []string
	// Keyring, when set, seals each live record with its person's data key.
	Keyring *seal.Keyring
	// Leave is told when a person leaves (erased: every trace must go),
	// again on a repeated erasure; it must be idempotent. Optional.
	Leave func(ctx context.Context, id string, erased bool) error
}

// Side is one side of a pool: its bucket and how events change it.
type Side[T Record] struct {
	// Repo is the bucket, for queries (Find, Sync) the programme needs.
	Repo *store.Repo[T]

	spec    Spec[T]
	ingest  events.Pool[T]
	idFD    protoreflect.FieldDescriptor
	goneFD  protoreflect.FieldDescriptor
	erasFD  protoreflect.FieldDescriptor // nil: the record has no erased field
	timeFD  protoreflect.FieldDescriptor
	eventFD protoreflect.FieldDescriptor
}

// Open opens the bucket of one side. It fails when the record type lacks
// a field the kit needs.
func Open[T Record](ctx context.Context, js jetstream.JetStream, spec Spec[T]) (*Side[T], error) {
	s := &Side[T]{spec: spec}
	if err := s.fields(); err != nil {
		return nil, err
	}
	cfg := store.Config[T]{Bucket: spec.Bucket, Replicas: spec.Replicas, New: spec.New, Keyring: spec.Keyring}
	if spec.Keyring != nil {
		cfg.Subject = func(id string, v T) string {
			if v.GetGone() {
				return "" // a tombstone stays in clear: it may be written after the key is shredded
			}
			return id
		}
	}
	if len(spec.Indexes) > 0 {
		cfg.Indexes = make(map[string]func(T) []string, len(spec.Indexes))
		for name, fn := range spec.Indexes {
			cfg.Indexes[name] = func(v T) []string {
				if v.GetGone() {
					return nil
				}
				return fn(v)
			}
		}
	}
	repo, err := store.Open(ctx, js, cfg)
	if err != nil {
		return nil, fmt.Errorf("pool %s: %w", spec.Bucket, err)
	}
	s.Repo = repo
	s.ingest = events.Pool[T]{Records: repo, Stamp: stamp[T], Leave: spec.Leave}
	return s, nil
}

// fields finds the fields the kit writes and checks their kinds.
func (s *Side[T]) fields() error {
	if s.spec.New == nil || s.spec.Bucket == "" || s.spec.IDField == "" {
		return fmt.Errorf("pool: a Spec needs Bucket, New and IDField")
	}
	desc := s.spec.New().ProtoReflect().Descriptor()
	find := func(name protoreflect.Name, kind protoreflect.Kind, required bool) (protoreflect.FieldDescriptor, error) {
		fd := desc.Fields().ByName(name)
		switch {
		case fd == nil && !required:
			return nil, nil
		case fd == nil || fd.Kind() != kind || fd.IsList() || fd.IsMap():
			return nil, fmt.Errorf("pool %s: record %s needs a singular %s field %q", s.spec.Bucket, desc.FullName(), kind, name)
		}
		return fd, nil
	}
	var err error
	if s.idFD, err = find(s.spec.IDField, protoreflect.StringKind, true); err != nil {
		return err
	}
	if s.goneFD, err = find("gone", protoreflect.BoolKind, true); err != nil {
		return err
	}
	if s.erasFD, err = find("erased", protoreflect.BoolKind, false); err != nil {
		return err
	}
	if s.eventFD, err = find("event_id", protoreflect.StringKind, true); err != nil {
		return err
	}
	if s.timeFD, err = find("event_time", protoreflect.MessageKind, true); err != nil {
		return err
	}
	if s.timeFD.Message().FullName() != "google.protobuf.Timestamp" {
		return fmt.Errorf("pool %s: event_time must be a google.protobuf.Timestamp", s.spec.Bucket)
	}
	return nil
}

// Close closes the bucket.
func (s *Side[T]) Close() { s.Repo.Close() }

// Live returns the record with id if the person is in the pool (an index
// read: it may lag behind another replica's write for a moment).
func (s *Side[T]) Live(id string) (T, bool) {
	v, ok := s.Repo.Lookup(id)
	if !ok || v.GetGone() {
		var zero T
		return zero, false
	}
	return v, true
}

// Gone reads from the bucket (not the index, which may lag) whether the
// person with id has left the pool, and whether they were erased. A
// person never seen is not gone: callers ask only about people they found
// in the pool.
func (s *Side[T]) Gone(ctx context.Context, id string) (gone, erased bool, err error) {
	v, _, err := s.Repo.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if s.erasFD != nil {
		erased = v.ProtoReflect().Get(s.erasFD).Bool()
	}
	return v.GetGone(), erased, nil
}

// stamp is the event a record last applied; none is the zero time.
func stamp[T Record](v T) (time.Time, string) {
	if at := v.GetEventTime(); at != nil {
		return at.AsTime(), v.GetEventId()
	}
	return time.Time{}, v.GetEventId()
}

// fact is what one event says of one person: facts is nil for a deletion
// or an erasure.
type fact[F any] struct {
	id     string
	facts  F
	erased bool
}

// ApplyParticipant applies one participants event; build maps the
// participant's facts to a record, or says false for "not in the pool"
// (a tombstone). Event types without a participant are ignored.
func (s *Side[T]) ApplyParticipant(ctx context.Context, env *eventsv1.Envelope, build func(*eventsv1.ParticipantFacts) (T, bool)) error {
	f, ok, err := participantFact(env)
	if !ok || err != nil {
		return err
	}
	return apply(ctx, s, env, f, build)
}

// ApplyVolunteer applies one volunteers event about a volunteer; build as
// in ApplyParticipant. Other types (organisation events) are ignored.
func (s *Side[T]) ApplyVolunteer(ctx context.Context, env *eventsv1.Envelope, build func(*eventsv1.VolunteerFacts) (T, bool)) error {
	f, ok, err := volunteerFact(env)
	if !ok || err != nil {
		return err
	}
	return apply(ctx, s, env, f, build)
}

// ApplyOrganisation applies one volunteers event about an organisation;
// build as in ApplyParticipant. Other types are ignored.
func (s *Side[T]) ApplyOrganisation(ctx context.Context, env *eventsv1.Envelope, build func(*eventsv1.OrganisationFacts) (T, bool)) error {
	f, ok, err := organisationFact(env)
	if !ok || err != nil {
		return err
	}
	return apply(ctx, s, env, f, build)
}

// apply builds the record or tombstone, stamps it with the event and
// hands it to events.Pool.
func apply[T Record, F comparable](ctx context.Context, s *Side[T], env *eventsv1.Envelope, f fact[F], build func(F) (T, bool)) error {
	var next T
	live := false
	var none F
	if f.facts != none {
		next, live = build(f.facts)
	}
	if !live {
		next = s.spec.New()
		m := next.ProtoReflect()
		m.Set(s.idFD, protoreflect.ValueOfString(f.id))
		m.Set(s.goneFD, protoreflect.ValueOfBool(true))
		if f.erased && s.erasFD != nil {
			m.Set(s.erasFD, protoreflect.ValueOfBool(true))
		}
	}
	m := next.ProtoReflect()
	if at := env.GetOccurredAt(); at != nil {
		m.Set(s.timeFD, protoreflect.ValueOfMessage(proto.Clone(at).ProtoReflect()))
	} else {
		m.Clear(s.timeFD)
	}
	m.Set(s.eventFD, protoreflect.ValueOfString(env.GetId()))
	return s.ingest.Apply(ctx, env, events.Change[T]{ID: f.id, Next: next, Gone: !live, Erased: f.erased})
}
