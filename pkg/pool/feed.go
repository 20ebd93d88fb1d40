package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/seal"
)

// Source is the stream and the subjects a side is fed from.
type Source int

// The sources. A side's records follow one entity's events.
const (
	// Participants: participants.participant.> on PARTICIPANTS.
	Participants Source = iota + 1
	// Volunteers: volunteers.volunteer.> on VOLUNTEERS.
	Volunteers
	// Organisations: volunteers.organisation.> on VOLUNTEERS.
	Organisations
)

// Stream is the stream the source's events are on.
func (s Source) Stream() string {
	if s == Participants {
		return events.StreamParticipants
	}
	return events.StreamVolunteers
}

// Filter is the subject filter of the source's events (the feed's).
func (s Source) Filter() string {
	switch s {
	case Participants:
		return events.ParticipantEvents
	case Volunteers:
		return events.VolunteerEvents
	default:
		return events.OrganisationEvents
	}
}

// LeaveTypes are the event types that can make someone leave a pool:
// every type of the source except the registration (or creation), which
// only ever brings someone in. A side's durable consumer takes these
// (Side.HandleLeave), so a registration costs it no delivery and no ack.
func (s Source) LeaveTypes() []string {
	switch s {
	case Participants:
		return []string{events.ParticipantUpdated, events.ParticipantConsentChanged, events.ParticipantDeleted, events.ParticipantErased}
	case Volunteers:
		return []string{events.VolunteerUpdated, events.VolunteerDeleted, events.VolunteerErased}
	default:
		return []string{events.OrganisationUpdated, events.OrganisationDeleted}
	}
}

// feed keeps a side's records up to date from its source stream with an
// ordered consumer: ephemeral, no acks, replayed from the stream's first
// message at start. nats.go recreates an ordered consumer after a
// reconnect or a gap, resuming after the last message Next returned; the
// loop below applies each message before asking for the next, so it
// resumes after the last one applied.
type feed struct {
	js     jetstream.JetStream
	src    Source
	kr     *seal.Keyring
	handle events.Handler
	log    *slog.Logger

	mu      sync.Mutex
	applied uint64        // stream sequence of the last message handled
	handled uint64        // messages handled since start (the replay's size in the start log)
	wake    chan struct{} // closed and replaced whenever applied moves
	stream  jetstream.Stream

	cancel context.CancelFunc
	done   chan struct{}
	lagReg metric.Registration // nil until observeLag
}

// syncLimit bounds Sync, as store.Repo.Sync's: a feed that far behind is
// reported as unavailable rather than waited for.
const syncLimit = 10 * time.Second

// start runs the feed until close and returns once it has applied every
// message its source held at the call (none if the stream does not exist
// yet: the producer may start later, and the feed then follows it from
// its first message).
func (f *feed) start(ctx context.Context) error {
	f.wake = make(chan struct{})
	f.done = make(chan struct{})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f.cancel = cancel
	began := time.Now()
	go f.run(runCtx)
	if err := f.sync(ctx, 0, 0); err != nil {
		f.close()
		return err
	}
	// The replay is what a restart waits for before serving, and it grows
	// with the stream (ADR 0123): operators read its size and time here to
	// see when snapshots become worth having.
	f.mu.Lock()
	n := f.handled
	f.mu.Unlock()
	f.log.Info("pool: replayed the source", "stream", f.src.Stream(), "events", n,
		"seconds", time.Since(began).Round(time.Millisecond).Seconds())
	return nil
}

// close stops the feed and waits for it.
func (f *feed) close() {
	if f.lagReg != nil {
		_ = f.lagReg.Unregister()
	}
	f.cancel()
	<-f.done
}

// run consumes until ctx ends. Only setting the consumer up is retried
// here (the stream may not exist yet); once consuming, nats.go recreates
// the consumer by itself.
func (f *feed) run(ctx context.Context) {
	defer close(f.done)
	for ctx.Err() == nil {
		err := f.consume(ctx)
		if ctx.Err() != nil {
			return
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			f.log.Warn("pool: feed stopped; starting again", "stream", f.src.Stream(), "err", err)
		}
		if !sleep(ctx, 500*time.Millisecond) {
			return
		}
	}
}

// consume creates an ordered consumer starting after the last applied
// message and applies what it delivers, in stream order.
func (f *feed) consume(ctx context.Context) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{f.src.Filter()}, InactiveThreshold: events.OrderedInactive}
	if at := f.position(); at > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, at+1
	}
	cons, err := f.js.OrderedConsumer(ctx, f.src.Stream(), cfg)
	if err != nil {
		return err
	}
	it, err := cons.Messages()
	if err != nil {
		return err
	}
	defer f.drop(cons)
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			return err
		}
		md, err := msg.Metadata()
		if err != nil {
			return err
		}
		if !f.apply(ctx, md.Sequence.Stream, msg.Data()) {
			return ctx.Err() // stopped while retrying: not applied
		}
		f.advance(md.Sequence.Stream)
	}
}

// drop deletes the feed's consumer once it stops, so a stopped replica
// leaves none listed (ADR 0138).
func (f *feed) drop(cons jetstream.Consumer) {
	if err := events.DropOrdered(f.js, f.src.Stream(), cons); err != nil {
		f.log.Debug("pool: feed consumer not deleted; it goes by itself", "stream", f.src.Stream(), "err", err)
	}
}

// apply hands one message to the side. What cannot be applied ever (not
// an envelope, sealed for someone since erased, a permanent error) is
// logged and passed over, as a durable consumer dead-letters it; anything
// else (the keyring unreachable) is retried until it works or the feed
// stops, because skipping it would leave the pool wrong. It reports
// false only when the feed stopped first.
func (f *feed) apply(ctx context.Context, seq uint64, data []byte) bool {
	env := &eventsv1.Envelope{}
	if err := proto.Unmarshal(data, env); err != nil || env.GetId() == "" {
		f.log.Error("pool: not an event; passed over", "stream", f.src.Stream(), "sequence", seq)
		return true
	}
	backoff := 100 * time.Millisecond
	for {
		err := f.handle1(ctx, env)
		switch {
		case err == nil, seal.IsShredded(err):
			return true
		case events.IsPermanent(err):
			f.log.Error("pool: event cannot be applied; passed over", "stream", f.src.Stream(), "sequence", seq, "err", err)
			return true
		}
		f.log.Warn("pool: applying an event failed; retrying", "stream", f.src.Stream(), "sequence", seq, "err", err)
		if !sleep(ctx, backoff) {
			return false
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// handle1 opens a sealed payload and calls the handler.
func (f *feed) handle1(ctx context.Context, env *eventsv1.Envelope) error {
	if len(env.GetSealedPayload()) > 0 && f.kr != nil {
		err := seal.OpenEnvelope(ctx, f.kr, env)
		if apperr.ErrorCode(err) == apperr.Invalid {
			return events.Permanent(err)
		}
		if err != nil {
			return err
		}
	}
	return f.handle(ctx, env)
}

func (f *feed) position() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

// advance records that every message up to seq has been applied and wakes
// whoever waits.
func (f *feed) advance(seq uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq <= f.applied {
		return
	}
	f.applied = seq
	f.handled++
	close(f.wake)
	f.wake = make(chan struct{})
}

// last returns the sequence of the newest message of the source, 0 for
// none (or no stream yet).
func (f *feed) last(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	st := f.stream
	f.mu.Unlock()
	if st == nil {
		s, err := f.js.Stream(ctx, f.src.Stream())
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("pool: stream %s: %w", f.src.Stream(), err)
		}
		f.mu.Lock()
		f.stream, st = s, s
		f.mu.Unlock()
	}
	m, err := st.GetLastMsgForSubject(ctx, f.src.Filter())
	if errors.Is(err, jetstream.ErrMsgNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("pool: last message of %s: %w", f.src.Filter(), err)
	}
	return m.Sequence, nil
}

// sync waits until the feed has applied the message at seq, or, with seq
// 0, the source's newest message now. A message purged before the feed
// reached it (an erasure purges the person's earlier events, then
// publishes the erasure after them) is not waited for: while waiting, the
// newest message is asked for again now and then and the goal lowered to
// it. Returns ctx's error, or Unavailable after limit (0: none).
func (f *feed) sync(ctx context.Context, seq uint64, limit time.Duration) error {
	if f == nil {
		return nil // not started: nothing is fed, nothing to wait for
	}
	if seq == 0 || f.position() < seq {
		last, err := f.last(ctx)
		if err != nil {
			return err
		}
		if seq == 0 || last < seq {
			seq = last
		}
	}
	var deadline <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		deadline = t.C
	}
	recheck := time.NewTicker(250 * time.Millisecond)
	defer recheck.Stop()
	for {
		f.mu.Lock()
		done, wake := f.applied >= seq, f.wake
		f.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return apperr.Errorf(apperr.Unavailable, "the pool fed from %s is behind", f.src.Stream())
		case <-wake:
		case <-recheck.C:
			last, err := f.last(ctx)
			if err != nil {
				return err
			}
			seq = min(seq, last)
		}
	}
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
