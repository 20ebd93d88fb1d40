// Package pool keeps one side of a programme's candidate pool (newcomers,
// mentors, guests, hosts, guide organisations): small records held in
// memory by every replica, fed straight from the participants' or the
// volunteers' stream by an ordered consumer (replayed from the stream's
// first message at start, no acks, no writes; ADR 0088), through
// events.Pool's rules (apply only if newer, tombstones for people who
// left). The leaver hook stays durable and at least once: a durable
// consumer per side takes only the event types that can make someone
// leave (Source.LeaveTypes) and Side.HandleLeave calls Leave once the feed
// has applied the event and the person is gone.
//
// What a programme supplies is only its filter and record mapping: a
// build function from an event's facts to its record, or "not in the
// pool" (false), which the kit turns into a tombstone. Everything else is
// here once: decoding the event types (registered, updated, consent
// changed, deleted, erased), the id check, stamping the record with the
// event's time and id, indexes that leave tombstones out, and the reads
// "live record" and "has this person gone". An erased person's events are
// purged from the stream and their key shredded, so a replay never sees
// their data again; the erasure itself replays as a tombstone.
//
// A pool record is a generated message with the fields gone (bool),
// event_time (google.protobuf.Timestamp), event_id (string), an id field
// named in the Spec and, where people can be erased, erased (bool). Open
// checks them, so a record type without them fails at start, not on the
// first event.
package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

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
	// Bucket names the side (logs, errors). It is the KV bucket the side
	// was kept in before ADR 0088: Open deletes that bucket when it
	// exists, since nothing updates it any more. Required.
	Bucket string
	// Source is the stream and subjects the side is fed from. Required
	// for Start.
	Source Source
	// Logger for feed failures; never given record contents.
	Logger *slog.Logger
	// New returns an empty record. Required.
	New func() T
	// IDField is the record's key field ("participant_id"), set on a
	// tombstone. Required.
	IDField protoreflect.Name
	// Indexes are the store's secondary keys; the kit gives them live
	// records only, so a tombstone is never found by a query.
	Indexes map[string]func(T) []string
	// Keyring, when set, opens the sealed payloads of the source's events.
	Keyring *seal.Keyring
	// MeterProvider serves the feed's lag gauge (pool.feed.lag); the
	// global provider when nil, as pkg/store's instruments use.
	MeterProvider metric.MeterProvider
	// Leave is told by HandleLeave that a person left (erased: every
	// trace must go), again for each delivery of an event that finds them
	// gone; it must be idempotent. Optional.
	Leave func(ctx context.Context, id string, erased bool) error
}

// Side is one side of a pool: its records and how events change them.
type Side[T Record] struct {
	// Repo holds the records in memory (store.NewFed), for the queries
	// (Find, Lookup, Len) the programme needs; its Sync and Get wait for
	// the feed to reach the source's newest event.
	Repo *store.Repo[T]

	spec    Spec[T]
	js      jetstream.JetStream
	feed    *feed
	applyMu sync.Mutex // one event applied at a time (read, compare, put)
	ingest  events.Pool[T]
	idFD    protoreflect.FieldDescriptor
	goneFD  protoreflect.FieldDescriptor
	erasFD  protoreflect.FieldDescriptor // nil: the record has no erased field
	timeFD  protoreflect.FieldDescriptor
	eventFD protoreflect.FieldDescriptor
}

// Open makes one side, empty, and deletes the bucket it was kept in
// before (Spec.Bucket) if that still exists. It fails when the record
// type lacks a field the kit needs. Start feeds it.
func Open[T Record](ctx context.Context, js jetstream.JetStream, spec Spec[T]) (*Side[T], error) {
	s := &Side[T]{spec: spec, js: js}
	if err := s.fields(); err != nil {
		return nil, err
	}
	if s.spec.Logger == nil {
		s.spec.Logger = slog.Default()
	}
	cfg := store.Config[T]{Bucket: spec.Bucket, New: spec.New, Logger: s.spec.Logger}
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
	repo, err := store.NewFed(cfg, s.Sync)
	if err != nil {
		return nil, fmt.Errorf("pool %s: %w", spec.Bucket, err)
	}
	s.Repo = repo
	s.ingest = events.Pool[T]{Records: fedRecords[T]{repo}, Stamp: stamp[T]}
	// The bucket and the request-id bucket store.Open made beside it.
	for _, b := range []string{spec.Bucket, spec.Bucket + "_requests"} {
		if err := js.DeleteKeyValue(ctx, b); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, fmt.Errorf("pool %s: delete the old bucket %s: %w", spec.Bucket, b, err)
		}
	}
	return s, nil
}

// Start feeds the side from its source: handle applies one event (the
// programme's HandleParticipant or HandleVolunteer, which calls ApplyX).
// It returns once every event the source held at the call is applied, so
// a service that starts serving after it serves the whole pool. Close
// stops the feed.
func (s *Side[T]) Start(ctx context.Context, handle events.Handler) error {
	if s.spec.Source == 0 {
		return fmt.Errorf("pool %s: a Spec needs a Source to be fed", s.spec.Bucket)
	}
	f := &feed{js: s.js, src: s.spec.Source, kr: s.spec.Keyring, handle: handle,
		log: s.spec.Logger.With("pool", s.spec.Bucket)}
	if err := f.start(ctx); err != nil {
		return fmt.Errorf("pool %s: %w", s.spec.Bucket, err)
	}
	mp := s.spec.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if err := f.observeLag(mp, s.spec.Bucket); err != nil {
		f.close()
		return fmt.Errorf("pool %s: %w", s.spec.Bucket, err)
	}
	s.feed = f
	return nil
}

// Sync waits until the feed has applied the newest event its source held
// at the call, so a Find right after sees every change published before.
// Returns ctx's error, or Unavailable when the feed is 10 s behind.
func (s *Side[T]) Sync(ctx context.Context) error { return s.feed.sync(ctx, 0, syncLimit) }

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

// Close stops the feed.
func (s *Side[T]) Close() {
	if s.feed != nil {
		s.feed.close()
	}
}

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

// Gone reports whether the person with id has left the pool, and whether
// they were erased, once the feed has applied every event published
// before the call (Sync), for decisions that must not be wrong. A person
// never seen is not gone: callers ask only about people they found in
// the pool.
func (s *Side[T]) Gone(ctx context.Context, id string) (gone, erased bool, err error) {
	if err := s.Sync(ctx); err != nil {
		return false, false, err
	}
	v, ok := s.Repo.Lookup(id)
	if !ok {
		return false, false, nil
	}
	return v.GetGone(), s.erased(v), nil
}

// erased reads the record's erased field, false for types without one.
func (s *Side[T]) erased(v T) bool {
	return s.erasFD != nil && v.ProtoReflect().Get(s.erasFD).Bool()
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
// (a tombstone). The facts are decoded from env for this call alone, so
// the record may keep their lists rather than copy them. Event types
// without a participant are ignored.
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
		// Copied by hand: Open checked that the field is a Timestamp,
		// and proto.Clone's reflection cost as much as handing the record
		// to events.Pool (three pools take every participant event).
		at = &timestamppb.Timestamp{Seconds: at.GetSeconds(), Nanos: at.GetNanos()}
		m.Set(s.timeFD, protoreflect.ValueOfMessage(at.ProtoReflect()))
	} else {
		m.Clear(s.timeFD)
	}
	m.Set(s.eventFD, protoreflect.ValueOfString(env.GetId()))
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	return s.ingest.Apply(ctx, env, events.Change[T]{ID: f.id, Next: next, Gone: !live, Erased: f.erased})
}
