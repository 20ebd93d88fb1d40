package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/natserr"
)

// DeadLetter describes one message in the DEADLETTER stream from its
// headers (and, from Get, its envelope's ids). It holds no payload: the
// payload may be personal data, sealed or not, and an operator needs only
// where the message came from and why it was given up on.
type DeadLetter struct {
	// Seq is its sequence in the DEADLETTER stream: its id for Get,
	// Replay and Discard.
	Seq uint64
	// Subject, Stream and StreamSeq say where the original was published.
	Subject, Stream string
	StreamSeq       uint64
	// Consumer is the durable consumer that gave up.
	Consumer string
	// Delivered is how many deliveries were tried before giving up.
	Delivered int
	// ErrorClass is the Mp-Error header: "<kind>: <detail>", no error text.
	ErrorClass string
	// Published is when the original was stored; FirstFailed when it was
	// first dead-lettered; LastFailed when this dead letter was written
	// (later than FirstFailed after a replay that failed again). Zero
	// when a dead letter from before these headers lacks them.
	Published, FirstFailed, LastFailed time.Time
	// Replays counts how often an operator replayed it before.
	Replays int
	// EventID, EventType and SubjectID are the envelope's ids, set by Get
	// only (List reads headers alone); empty for a poison message.
	EventID, EventType, SubjectID string
}

// ErrorKind is the part of ErrorClass before the colon: poison,
// permanent or max_deliver.
func (d DeadLetter) ErrorKind() string {
	k, _, _ := strings.Cut(d.ErrorClass, ": ")
	return k
}

// ErrorCause is the part of ErrorClass after the colon: an apperr code,
// panic, deadline_exceeded, bad_envelope or a Go type.
func (d DeadLetter) ErrorCause() string {
	_, c, _ := strings.Cut(d.ErrorClass, ": ")
	return c
}

// DeadLetterFilter selects dead letters; empty fields select all.
type DeadLetterFilter struct {
	// Consumer keeps one durable consumer's dead letters.
	Consumer string
	// Stream keeps those of messages from one stream.
	Stream string
}

// DeadLetterPage is one page of a List.
type DeadLetterPage struct {
	Items []DeadLetter
	// Total counts every dead letter the filter selects.
	Total int
	// Next is the token of the next page; empty on the last.
	Next string
}

// DeadLetters lets an operator look at, replay and discard dead letters.
// It works on the shared NATS directly: every service's consumers write to
// the one DEADLETTER stream, so no service needs an RPC for this (ADR
// 0059).
type DeadLetters struct {
	js jetstream.JetStream
	// retried counts the listings run again while JetStream answered as a
	// cluster electing its leaders does (List), for the test that makes it
	// so.
	retried atomic.Int64
}

// NewDeadLetters returns the dead-letter admin on js.
func NewDeadLetters(js jetstream.JetStream) *DeadLetters { return &DeadLetters{js: js} }

// MaxDeadLetterPage caps a List page.
const MaxDeadLetterPage = 200

// errNoDeadLetter answers an id that names no dead letter: never one,
// replayed or discarded already.
var errNoDeadLetter = apperr.Errorf(apperr.NotFound, "no such dead letter (replayed or discarded already?)")

// List returns dead letters in the order they were written, oldest first,
// pageSize at a time (1 to MaxDeadLetterPage; 0 means 50) from token (a
// previous page's Next), with the total the filter selects. It reads
// headers only, one pass over the stream. Returns Invalid for a bad token
// or page size.
func (d *DeadLetters) List(ctx context.Context, f DeadLetterFilter, pageSize int, token string) (DeadLetterPage, error) {
	var v apperr.Validator
	if pageSize < 0 || pageSize > MaxDeadLetterPage {
		v.Add("page_size", fmt.Sprintf("must be between 1 and %d (0 means 50)", MaxDeadLetterPage))
	}
	from := uint64(1)
	if token != "" {
		n, err := strconv.ParseUint(token, 10, 64)
		if err != nil || n == 0 {
			v.Add("page_token", "is not a token from a previous page")
		}
		from = n
	}
	if err := v.Err(); err != nil {
		return DeadLetterPage{}, err
	}
	if pageSize == 0 {
		pageSize = 50
	}
	// A listing only reads, so it runs again, afresh, while JetStream
	// answers no responders or its 503: on a three-node cluster about 2%
	// of the listings failed so at their first fetch (ADR 0240, 0242).
	var out DeadLetterPage
	err := natserr.ReadAgain(ctx, func() error {
		out = DeadLetterPage{}
		return d.scan(ctx, func(dl DeadLetter) {
			if !f.matches(dl) {
				return
			}
			out.Total++
			switch {
			case dl.Seq < from:
			case len(out.Items) < pageSize:
				out.Items = append(out.Items, dl)
			case out.Next == "":
				out.Next = strconv.FormatUint(dl.Seq, 10)
			}
		})
	}, func() { d.retried.Add(1) })
	if err != nil {
		return DeadLetterPage{}, err
	}
	return out, nil
}

func (f DeadLetterFilter) matches(dl DeadLetter) bool {
	return (f.Consumer == "" || f.Consumer == dl.Consumer) && (f.Stream == "" || f.Stream == dl.Stream)
}

// scan calls fn with every dead letter, headers only, in stream order.
func (d *DeadLetters) scan(ctx context.Context, fn func(DeadLetter)) error {
	cons, err := d.js.OrderedConsumer(ctx, StreamDeadLetter, jetstream.OrderedConsumerConfig{HeadersOnly: true})
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil // no consumer has given up on anything yet
	}
	if err != nil {
		return fmt.Errorf("events: list dead letters: %w", err)
	}
	// Without this every listing left a consumer for 5 minutes.
	defer func() { _ = DropOrdered(d.js, StreamDeadLetter, cons) }()
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("events: list dead letters: %w", err)
	}
	for pending := int(info.NumPending); pending > 0; {
		batch, err := cons.Fetch(min(pending, 1000), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return fmt.Errorf("events: list dead letters: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			fn(fromHeaders(md.Sequence.Stream, md.Timestamp, m.Headers()))
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("events: list dead letters: %w", err)
		}
		if n == 0 {
			break // messages expired or were removed while we read
		}
		pending -= n
	}
	return nil
}

// fromHeaders reads a dead letter's description.
func fromHeaders(seq uint64, written time.Time, h nats.Header) DeadLetter {
	dl := DeadLetter{
		Seq: seq, Subject: h.Get(HeaderOriginalSubject), Stream: h.Get(HeaderOriginalStream),
		Consumer: h.Get(HeaderConsumer), ErrorClass: h.Get(HeaderError), LastFailed: written,
		Published: parseTime(h.Get(HeaderPublished)), FirstFailed: parseTime(h.Get(HeaderFirstFailed)),
	}
	dl.StreamSeq, _ = strconv.ParseUint(h.Get(HeaderOriginalSequence), 10, 64)
	dl.Delivered, _ = strconv.Atoi(h.Get(HeaderDelivered))
	dl.Replays, _ = strconv.Atoi(h.Get(HeaderReplays))
	if dl.FirstFailed.IsZero() {
		dl.FirstFailed = written
	}
	return dl
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// get reads one dead letter whole. Returns NotFound when seq names none.
func (d *DeadLetters) get(ctx context.Context, seq uint64) (*jetstream.RawStreamMsg, error) {
	s, err := d.js.Stream(ctx, StreamDeadLetter)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, errNoDeadLetter
	}
	if err != nil {
		return nil, fmt.Errorf("events: dead letter %d: %w", seq, err)
	}
	m, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, errNoDeadLetter
	}
	if err != nil {
		return nil, fmt.Errorf("events: dead letter %d: %w", seq, err)
	}
	if m.Header.Get(HeaderConsumer) == "" {
		return nil, errNoDeadLetter // not written by a Consumer
	}
	return m, nil
}

// Get returns one dead letter with its envelope's ids, never its payload.
// Returns NotFound when seq names none.
func (d *DeadLetters) Get(ctx context.Context, seq uint64) (DeadLetter, error) {
	m, err := d.get(ctx, seq)
	if err != nil {
		return DeadLetter{}, err
	}
	dl := fromHeaders(m.Sequence, m.Time, m.Header)
	env := &eventsv1.Envelope{}
	if proto.Unmarshal(m.Data, env) == nil {
		dl.EventID, dl.EventType, dl.SubjectID = env.GetId(), env.GetType(), env.GetSubjectId()
	}
	return dl, nil
}

// Replay sends a dead letter back to the consumer that gave up on it, and
// removes it from the dead letters: the consumer handles it as it would
// have (retries, and a new dead letter if it fails again). The consumer's
// handler is idempotent, so an event handled meanwhile has no second
// effect. Two replays of one dead letter store one message (the REPLAY
// stream drops the second as a duplicate). Returns NotFound when seq names
// no dead letter, and FailedPrecondition when the consumer has never run
// with replays (a service too old, or a consumer since renamed), so a
// replay cannot sit unread.
func (d *DeadLetters) Replay(ctx context.Context, seq uint64) error {
	m, err := d.get(ctx, seq)
	if err != nil {
		return err
	}
	durable := m.Header.Get(HeaderConsumer)
	if _, err := d.js.Consumer(ctx, StreamReplay, durable); err != nil {
		if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
			return apperr.Errorf(apperr.FailedPrecondition, "consumer %s does not take replays: start its service (a version with replay) first", durable)
		}
		return fmt.Errorf("events: replay %d: %w", seq, err)
	}
	h := nats.Header{}
	for _, k := range []string{HeaderOriginalSubject, HeaderOriginalStream, HeaderOriginalSequence, HeaderPublished} {
		h.Set(k, m.Header.Get(k))
	}
	dl := fromHeaders(m.Sequence, m.Time, m.Header)
	h.Set(HeaderFirstFailed, dl.FirstFailed.UTC().Format(time.RFC3339Nano))
	h.Set(HeaderReplays, strconv.Itoa(dl.Replays+1))
	// The trace context of the dead-lettering, so the replay's handling
	// joins the trace of the failure it repairs.
	for _, k := range []string{"traceparent", "tracestate", "baggage"} {
		if v := m.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	msg := &nats.Msg{Subject: ReplayPrefix + durable, Data: m.Data, Header: h}
	if _, err := d.js.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("replay-%d", seq))); err != nil {
		return fmt.Errorf("events: replay %d: %w", seq, err)
	}
	return d.remove(ctx, seq)
}

// Discard deletes a dead letter for good. Returns NotFound when seq names
// none.
func (d *DeadLetters) Discard(ctx context.Context, seq uint64) error {
	if _, err := d.get(ctx, seq); err != nil {
		return err
	}
	return d.remove(ctx, seq)
}

// remove deletes a dead letter; one already gone is no error, so two
// replays or discards of the same one both succeed.
func (d *DeadLetters) remove(ctx context.Context, seq uint64) error {
	s, err := d.js.Stream(ctx, StreamDeadLetter)
	if err != nil {
		return fmt.Errorf("events: remove dead letter %d: %w", seq, err)
	}
	err = s.DeleteMsg(ctx, seq)
	if err == nil {
		return nil
	}
	// The client drops the server's reason; look whether it is gone.
	if _, gerr := s.GetMsg(ctx, seq); errors.Is(gerr, jetstream.ErrMsgNotFound) {
		return nil
	}
	return fmt.Errorf("events: remove dead letter %d: %w", seq, err)
}

// waiting counts the dead letters waiting for an operator.
func (d *DeadLetters) waiting(ctx context.Context) (uint64, error) {
	s, err := d.js.Stream(ctx, StreamDeadLetter)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// RegisterGauge reports events.deadletters.waiting (Prometheus
// events_deadletters_waiting): the dead letters no operator has replayed
// or discarded yet, whichever consumer wrote them. The dead_letter outcome
// of events.handled says when they arrive; this says that they are still
// there. A failed lookup skips the sample. Unregister the result on
// shutdown.
func (d *DeadLetters) RegisterGauge(mp metric.MeterProvider) (metric.Registration, error) {
	m := mp.Meter(instrumentationName)
	g, err := m.Int64ObservableGauge("events.deadletters.waiting",
		metric.WithDescription("Dead letters waiting for an operator to replay or discard them."),
		metric.WithUnit("{message}"))
	if err != nil {
		return nil, fmt.Errorf("events: dead-letter gauge: %w", err)
	}
	return m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if n, err := d.waiting(ctx); err == nil {
			o.ObserveInt64(g, int64(n))
		}
		return nil
	}, g)
}
