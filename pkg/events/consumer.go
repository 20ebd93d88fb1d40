package events

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/seal"
)

// Handler handles one event. Returning nil acks it; an error retries it with
// backoff, and an error wrapped with Permanent dead-letters it at once.
// JetStream delivers at least once, so a handler must be idempotent; wrap it
// with Idempotent unless its effect is naturally so.
type Handler func(ctx context.Context, env *eventsv1.Envelope) error

const (
	// DefaultMaxDeliver is how many deliveries a message gets before it is
	// dead-lettered.
	DefaultMaxDeliver = 5
	// DefaultAckWait is how long the server waits for an ack before it
	// redelivers; it also bounds each handler call.
	DefaultAckWait = 30 * time.Second
)

// defaultBackoff spaces retries so that a dependency restarting (a few
// seconds) is waited out before a message is given up on. It is a function
// so no caller can change the default for everyone.
func defaultBackoff() []time.Duration {
	return []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, 5 * time.Second}
}

// ConsumerConfig configures a durable pull consumer.
type ConsumerConfig struct {
	// Stream to consume, for example StreamParticipants. Required.
	Stream string
	// Durable names the consumer; replicas of a service share it, so each
	// message is handled by one of them. Required.
	Durable string
	// FilterSubjects limits the subjects delivered; empty means all of the
	// stream's subjects.
	FilterSubjects []string
	// MaxDeliver is the number of deliveries after which a failing message
	// is dead-lettered (default DefaultMaxDeliver).
	MaxDeliver int
	// Backoff is the redelivery delay after the n-th failed delivery; the
	// last value repeats (default 100ms, 500ms, 2s, 5s).
	Backoff []time.Duration
	// AckWait is how long a delivery may stay unacknowledged before the
	// server redelivers it (default DefaultAckWait). It runs from delivery
	// to the client, which buffers up to max(2*Concurrency, 4) messages, so
	// it must cover handling a few messages, not one. Each handler call
	// gets a context with this timeout, so a call cannot outlive the ack
	// window by much.
	AckWait time.Duration
	// DeadLetterSubject receives messages given up on (default
	// "deadletter.<Durable>", captured by the DEADLETTER stream).
	DeadLetterSubject string
	// Concurrency is how many handler calls run at once (default 1). Events
	// with the same subject_id always go to the same worker, so they are
	// handled in stream order; a retried event can still be overtaken by a
	// later one, as with any redelivery.
	Concurrency int
	// PullExpiry is how long one pull request waits for messages (0: the
	// client's 30 s). NATS sends heartbeats every 5 s (or half of a
	// shorter expiry) when idle; two missed ones are reported and the pull
	// is made again. Tests shorten it.
	PullExpiry time.Duration
}

// Consumer pulls messages from a durable JetStream consumer and hands the
// events to a Handler.
type Consumer struct {
	js   jetstream.JetStream
	cons jetstream.Consumer
	// replay reads the dead letters an operator sent back to this
	// consumer (replay.go); nil when its dead letters do not go to the
	// DEADLETTER stream, where replays come from.
	replay jetstream.Consumer
	cfg    ConsumerConfig
	h      Handler
	opts   options
	tracer trace.Tracer

	meter    metric.Meter
	handled  metric.Int64Counter
	duration metric.Float64Histogram
	lag      metric.Int64ObservableGauge
	attrs    attribute.Set // consumer=<durable>, for the lag gauge
	// byOutcome holds consumer=<durable>,outcome=<o> for each outcome,
	// made once rather than per message (ADR 0151).
	byOutcome map[outcome]metric.MeasurementOption
}

// NewConsumer creates the durable pull consumer, or updates it to cfg, and
// makes sure the DEADLETTER stream exists when the dead-letter subject is
// one of its subjects; then it also creates the consumer of the same name
// on the REPLAY stream that brings back what an operator replays (ADR
// 0059). Messages flow only once Run is called.
func NewConsumer(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, h Handler, opts ...Option) (*Consumer, error) {
	if h == nil {
		return nil, errors.New("events: consumer needs a handler")
	}
	if cfg.Stream == "" || cfg.Durable == "" {
		return nil, errors.New("events: consumer needs a stream and a durable name")
	}
	if strings.ContainsAny(cfg.Durable, ".*> \t") {
		return nil, fmt.Errorf("events: durable name %q may not contain '.', '*', '>' or spaces", cfg.Durable)
	}
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = DefaultMaxDeliver
	}
	if len(cfg.Backoff) == 0 {
		cfg.Backoff = defaultBackoff()
	}
	cfg.Backoff = slices.Clone(cfg.Backoff)
	cfg.FilterSubjects = slices.Clone(cfg.FilterSubjects)
	for i, f := range cfg.FilterSubjects {
		cfg.FilterSubjects[i] = FilterFor(f)
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = DefaultAckWait
	}
	if cfg.DeadLetterSubject == "" {
		cfg.DeadLetterSubject = DeadLetterPrefix + cfg.Durable
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}

	cons, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
		Durable:        cfg.Durable,
		FilterSubjects: cfg.FilterSubjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        cfg.AckWait,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		// The server never gives up on a message by itself: MaxDeliver is
		// enforced here, because only the client can dead-letter the
		// message before dropping it. A server-side limit would silently
		// skip a message whose dead-letter publish failed.
		MaxDeliver: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("events: create consumer %s on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	var replay jetstream.Consumer
	if isDeadLetterSubject(cfg.DeadLetterSubject) {
		if err := ensureDeadLetterStream(ctx, js); err != nil {
			return nil, err
		}
		if replay, err = replayConsumer(ctx, js, cfg); err != nil {
			return nil, err
		}
	}

	o := newOptions(opts)
	c := &Consumer{
		js: js, cons: cons, replay: replay, cfg: cfg, h: h, opts: o, tracer: o.tracer(),
		meter: o.mp.Meter(instrumentationName),
		attrs: attribute.NewSet(attribute.String("consumer", cfg.Durable)),
	}
	if err := c.instruments(); err != nil {
		return nil, err
	}
	return c, nil
}

// delivery is one message with its decoded envelope, passed to a worker.
type delivery struct {
	msg jetstream.Msg
	env *eventsv1.Envelope
}

// Run pulls and handles messages until ctx is done. It then stops pulling,
// handles what is already buffered and in flight (each call bounded by
// AckWait), and returns nil. It returns an error only when consuming fails
// for another reason, such as the consumer being deleted, so it suits an
// errgroup next to a gRPC server.
func (c *Consumer) Run(ctx context.Context) error {
	reg, err := c.meter.RegisterCallback(c.observeLag, c.lag)
	if err != nil {
		return fmt.Errorf("events: register lag gauge: %w", err)
	}
	defer func() { _ = reg.Unregister() }()

	// A small client buffer keeps shutdown short, since buffered messages
	// are handled before Run returns, and lets other replicas take the rest.
	it, err := c.cons.Messages(c.pullOpts(max(2*c.cfg.Concurrency, 4))...)
	if err != nil {
		return fmt.Errorf("events: consume %s: %w", c.cfg.Durable, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Drain)
	defer stop()

	// Handlers outlive ctx while draining; each call has its own timeout.
	base := context.WithoutCancel(ctx)
	// Runs after the workers are done (deferred first): the acks they sent
	// reach the server before Run returns and the caller closes the
	// connection.
	defer c.flushAcks()
	dispatch, wait := c.workers(base)
	defer wait()
	if c.replay != nil {
		rit, err := c.replay.Messages(c.pullOpts(2)...)
		if err != nil {
			return fmt.Errorf("events: consume replays of %s: %w", c.cfg.Durable, err)
		}
		var rwg sync.WaitGroup
		// Deferred in this order so the replays stop, then finish, before
		// wait closes the workers they dispatch to.
		defer rwg.Wait()
		defer rit.Stop()
		stopReplays := context.AfterFunc(ctx, rit.Drain)
		defer stopReplays()
		rwg.Go(func() { c.runReplays(base, rit, dispatch) })
	}
	for {
		msg, err := c.next(ctx, it)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("events: consumer %s stopped: %w", c.cfg.Durable, err)
		}
		env, err := decode(msg.Data())
		if err != nil {
			// Poison: no envelope, so no subject_id to order by.
			c.process(base, delivery{msg: msg}, err)
			continue
		}
		dispatch(delivery{msg: msg, env: env})
	}
}

// next is the iterator's next message. Missed heartbeats are not the end
// of it: NATS did not answer the pull for two heartbeats (a node lost, a
// quorum or a stream leader being re-elected) and the iterator pulls
// again by itself. Returning them stopped the service: guides-1 exited
// when two of three NATS nodes were down for 12 s (ADR 0134).
func (c *Consumer) next(ctx context.Context, it jetstream.MessagesContext) (jetstream.Msg, error) {
	for {
		msg, err := it.Next()
		if !errors.Is(err, jetstream.ErrNoHeartbeat) {
			return msg, err
		}
		c.opts.logger.WarnContext(ctx, "events: no heartbeat from NATS; pulling again", "consumer", c.cfg.Durable)
	}
}

// errBadEnvelope marks data that is not an Envelope with an id and a type;
// retrying cannot fix it.
var errBadEnvelope = errors.New("bad envelope")

// decode unmarshals an Envelope. An empty or foreign message can unmarshal
// without error, so the id and type are required too.
func decode(data []byte) (*eventsv1.Envelope, error) {
	env := &eventsv1.Envelope{}
	if err := proto.Unmarshal(data, env); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadEnvelope, err)
	}
	if env.GetId() == "" || env.GetType() == "" {
		return nil, fmt.Errorf("%w: no id or type", errBadEnvelope)
	}
	return env, nil
}

// workers returns a function that hands a delivery to its worker, safe to
// call from the main loop and the replays' at once, and one that waits for
// all workers to finish. With Concurrency 1 it handles the
// delivery inline. Otherwise deliveries are sharded by subject_id, so one
// record's events are never handled concurrently or out of order.
func (c *Consumer) workers(ctx context.Context) (func(delivery), func()) {
	n := c.cfg.Concurrency
	if n == 1 {
		// Replays dispatch from their own goroutine; one at a time still.
		var mu sync.Mutex
		return func(d delivery) {
			mu.Lock()
			defer mu.Unlock()
			c.process(ctx, d, nil)
		}, func() {}
	}
	var wg sync.WaitGroup
	queues := make([]chan delivery, n)
	for i := range queues {
		q := make(chan delivery, 1)
		queues[i] = q
		wg.Go(func() {
			for d := range q {
				c.process(ctx, d, nil)
			}
		})
	}
	dispatch := func(d delivery) {
		key := d.env.GetSubjectId()
		if key == "" {
			key = d.env.GetId()
		}
		h := fnv.New32a()
		_, _ = h.Write([]byte(key))
		queues[h.Sum32()%uint32(n)] <- d
	}
	wait := func() {
		for _, q := range queues {
			close(q)
		}
		wg.Wait()
	}
	return dispatch, wait
}

// process handles one delivery end to end: span, handler, then exactly one
// of ack, nak with delay, or dead-letter and term. decodeErr is set when
// the data is not an Envelope.
func (c *Consumer) process(ctx context.Context, d delivery, decodeErr error) {
	start := time.Now()
	msg, env := d.msg, d.env
	md, err := msg.Metadata()
	if err != nil {
		// Only a message without a JetStream reply subject gets here; treat
		// it as a first delivery so it is still handled.
		md = &jetstream.MsgMetadata{NumDelivered: 1}
	}
	ctx = c.opts.prop.Extract(ctx, propagation.HeaderCarrier(msg.Headers()))
	attrs := []attribute.KeyValue{
		natsSystem,
		semconv.MessagingOperationTypeProcess,
		semconv.MessagingDestinationName(originalSubject(msg)),
		semconv.MessagingConsumerGroupName(c.cfg.Durable),
		attribute.Int64("messaging.nats.sequence", int64(md.Sequence.Stream)),
		attribute.Int64("messaging.nats.delivered", int64(md.NumDelivered)),
	}
	if env != nil {
		attrs = append(attrs, semconv.MessagingMessageID(env.GetId()))
	}
	if isReplay(msg) {
		attrs = append(attrs, attribute.Bool("messaging.nats.replay", true))
	}
	ctx, span := c.tracer.Start(ctx, "process "+typeOf(originalSubject(msg)),
		trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
	defer span.End()

	var out outcome
	switch {
	case decodeErr != nil:
		out = c.deadLetter(ctx, msg, md, errorClass("poison", decodeErr))
	default:
		hctx, cancel := context.WithTimeout(ctx, c.cfg.AckWait)
		err := c.open(hctx, env)
		if seal.IsShredded(err) {
			// Sealed for a person since erased: nobody is left to handle
			// it for. The dead letters keep their sealed copies.
			cancel()
			span.SetAttributes(attribute.Bool("messaging.nats.erased", true))
			out = c.ack(ctx, msg)
			break
		}
		if err == nil {
			if !isReplay(msg) && md.Sequence.Stream > 0 {
				hctx = withSequence(hctx, md.Sequence.Stream)
			}
			err = c.call(hctx, env)
		}
		cancel()
		switch {
		case err == nil:
			out = c.ack(ctx, msg)
		case IsPermanent(err):
			out = c.deadLetter(ctx, msg, md, errorClass("permanent", err))
		case md.NumDelivered >= uint64(c.cfg.MaxDeliver):
			out = c.deadLetter(ctx, msg, md, errorClass("max_deliver", err))
		default:
			out = c.retry(ctx, msg, md, errorClass("transient", err))
		}
	}
	if out != outcomeAck {
		span.SetStatus(codes.Error, string(out))
	}
	span.SetAttributes(attribute.String("messaging.nats.outcome", string(out)))
	set, ok := c.byOutcome[out]
	if !ok {
		set = c.outcomeSet(out)
	}
	c.handled.Add(ctx, 1, set)
	c.duration.Record(ctx, time.Since(start).Seconds(), set)
}

// open restores a sealed payload (pkg/seal) before the handler sees it.
// Without a keyring the envelope is handed on as it is (payload empty,
// sealed_payload set), for handlers that need only ids. Sealed bytes that
// do not authenticate cannot be fixed by retrying: dead-lettered, sealed.
func (c *Consumer) open(ctx context.Context, env *eventsv1.Envelope) error {
	if len(env.GetSealedPayload()) == 0 || c.opts.keyring == nil {
		return nil
	}
	err := seal.OpenEnvelope(ctx, c.opts.keyring, env)
	if apperr.ErrorCode(err) == apperr.Invalid {
		return Permanent(err)
	}
	return err
}

// call runs the handler and turns a panic into an ordinary error, so one bad
// event is retried and dead-lettered instead of killing the service.
func (c *Consumer) call(ctx context.Context, env *eventsv1.Envelope) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errPanic
		}
	}()
	return c.h(ctx, env)
}

// ack acknowledges msg without waiting for the server to confirm it. A
// confirmed ack (DoubleAck) costs a reply message and a round trip per
// event, in every consumer of every event, and buys nothing for delivery:
// an ack the server never got is redelivered after AckWait either way,
// and the handlers are idempotent. The publish fails only when the
// connection is closed; Run flushes the acks it sent before it returns
// (docs/adr/0013).
func (c *Consumer) ack(ctx context.Context, msg jetstream.Msg) outcome {
	if err := msg.Ack(); err != nil {
		c.opts.logger.WarnContext(ctx, "events: ack failed; the message will be redelivered",
			"consumer", c.cfg.Durable, "subject", msg.Subject(), "error", err)
		return outcomeError
	}
	return outcomeAck
}

// flushAcks waits until the server has everything this connection sent,
// the acks among it. A failure only means redeliveries, which handlers
// absorb.
func (c *Consumer) flushAcks() {
	if nc := c.js.Conn(); nc != nil && !nc.IsClosed() {
		_ = nc.FlushTimeout(2 * time.Second)
	}
}

// retry asks for a redelivery after the backoff for this delivery count.
func (c *Consumer) retry(ctx context.Context, msg jetstream.Msg, md *jetstream.MsgMetadata, class string) outcome {
	delay := c.backoff(md.NumDelivered)
	c.opts.logger.InfoContext(ctx, "events: handler failed; retrying",
		"consumer", c.cfg.Durable, "subject", originalSubject(msg), "sequence", md.Sequence.Stream,
		"delivered", md.NumDelivered, "delay", delay, "error_class", class)
	if err := msg.NakWithDelay(delay); err != nil {
		// The server redelivers after AckWait anyway.
		return outcomeError
	}
	return outcomeRetry
}

// backoff returns the delay after the n-th delivery (n starts at 1).
func (c *Consumer) backoff(n uint64) time.Duration {
	i := int(min(n, uint64(len(c.cfg.Backoff)))) - 1
	return c.cfg.Backoff[max(i, 0)]
}
